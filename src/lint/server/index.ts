/** A cluster's verdict beside hostpod's: `hostpod lint --server`. */
export { ServerLinter, type ServerLintOptions } from './server-linter.js';
export { statusOf, type ApiAnswer, type ApiRequest, type ApiStatus, type ApiTransport } from './api-transport.js';
export { FIELD_MANAGER } from './dry-run.js';
export type { ServerCheck, ServerOutcome, ServerVerdict } from './verdict.js';
