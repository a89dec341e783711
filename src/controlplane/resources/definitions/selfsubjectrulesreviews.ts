/**
 * SelfSubjectRulesReviews (authorization.k8s.io/v1, cluster-scoped): "what may I do in this
 * namespace?" (`kubectl auth can-i --list`). Create only, by any authenticated user, answered
 * from RBAC's rules and never stored.
 */
import { reviewSelfRules } from '../../auth/rules-review.js';
import { defineResource } from '../definition.js';

export const selfSubjectRulesReviews = defineResource({
  group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', resource: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview',
  verbs: ['create'], shortNames: [], categories: [], subresources: [],

  answerCreate: ({ api, body, context }) => reviewSelfRules(body, context.user, api),
});
