/**
 * JSON as kube-apiserver reads and writes it: a parser that keeps int64 values exact, records
 * duplicate keys and limits nesting as Go's decoder does, and an encoder that writes them back.
 */
export { copyDuplicates, duplicateFieldPaths, duplicateKeys, forgetDuplicates, MAX_STRICT_ERRORS } from './duplicates.js';
export { isJsonNumber, JsonNumber, numberText, toNumber } from './json-number.js';
export { JsonSyntaxError, MAX_JSON_DEPTH, parseJson, type ParseOptions } from './parse.js';
export { parseStoredJson } from './stored.js';
export { MAX_OBJECT_DEPTH, nestingDepth } from './depth.js';
export { stringifyJson } from './stringify.js';
export { stableJson } from './stable.js';
export { deepFreeze } from './freeze.js';
