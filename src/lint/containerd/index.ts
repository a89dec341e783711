export { ADVISORY_RULES, containerdAdvice } from './advise.js';
export type { AdviseOptions, Advisory, AdvisoryRule, ConfigMapData, ContainerdVersion } from './advise.js';
