/** A cluster's verdict beside hostpod's: `hostpod lint --server`. */
export { ServerLinter, type ServerLintOptions } from './server-linter.js';
export type { ApiAnswer, ApiRequest, ApiTransport } from './api-transport.js';
export type { ServerCheck, ServerOutcome, ServerVerdict } from './verdict.js';
