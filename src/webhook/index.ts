export { defaultWebhookConfig, loadWebhookConfig, normalizeWebhookConfig, RULES, type RuleAction, type RuleName, type WebhookConfig } from './config.js';
export { containerd17Findings, podFindings, SYSTEM_JUSTIFICATION_ANNOTATION, type Advisor, type Finding } from './advice.js';
export { defaultsPatch, type PatchOperation } from './mutate.js';
export { BadReview, mutateReview, parseReview, validateReview, type ReviewRequest, type ReviewResponse } from './review.js';
export { answerReview, reviewBudgetMs, startWebhookServer, type WebhookServer, type WebhookServerOptions } from './server.js';
