/**
 * RFC 6902 JSON Patch as kube-apiserver applies it, with evanphx/json-patch (v4).
 *
 * Hand-written rather than taken from a library: kube-apiserver's answers follow that library's
 * quirks and error texts (replace of a missing object key adds it, negative array indexes count
 * from the end, "~2" is left as it is, a path without a leading "/" resolves from the root),
 * which general-purpose JSON Patch libraries rightly reject; and it keeps the server
 * dependency-free.
 *
 * The result's objects are in the order the library writes them, since the order of a failure's
 * unknown fields follows it: every object the library opened (the root, each object a path goes
 * through, each value a test compared) as a Go map, keys sorted and duplicates gone; each value
 * an operation brings in as it was written, duplicate keys and all.
 */

import { copyDuplicates } from '../../api/json/index.js';
import { goQuote, jsonWord } from './go-format.js';
import { asGoMap, getOwn, isJsonObject, jsonEqual, setOwn, toJson, type JsonObject, type JsonValue } from './json-value.js';
import { PatchError, badRequest, unprocessable } from './patch-error.js';

/** kube-apiserver's limit on the operations of one JSON patch. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

type Container = JsonObject | JsonValue[];
/** The document being patched, and the objects the library has opened (decoded into Go maps). */
interface State {
  root: Container;
  opened: Set<JsonObject>;
}
/** A value read from a container; undefined is a missing key, which the library treats as null. */
type Read = { value: JsonValue | undefined } | { error: string };
type Field = { value: string } | { error: string };

const MISSING = 'missing value';
const INVALID_INDEX = 'invalid index referenced';

/**
 * Applies a JSON patch (the decoded request body) to `original` and returns the new document.
 * @throws PatchError 400 for a body that is not a list of operations (or an op, path or from that
 *   is not a string), 413 past 10000 operations,
 *   422 Invalid when an operation does not apply (the library's text is in `detail`).
 */
export function applyJsonPatch(original: unknown, patch: unknown): JsonValue {
  const operations = decodeOperations(toJson(patch, true));
  const root = toJson(original);
  if (!isContainer(root)) throw unprocessable(`json: cannot unmarshal ${jsonWord(root)} into Go value of type jsonpatch.partialDoc`);
  const state: State = { root, opened: new Set() };
  for (const operation of operations) {
    const error = applyOperation(state, operation);
    if (error !== undefined) throw unprocessable(error);
  }
  open(state, state.root);
  for (const object of state.opened) asGoMap(object);
  return state.root;
}

/** Marks a value as opened by the library: the object itself, or with `deep` every object in it. */
function open(state: State, value: JsonValue | undefined, deep = false): void {
  if (isJsonObject(value)) state.opened.add(value);
  if (!deep || !isContainer(value)) return;
  for (const item of Array.isArray(value) ? value : Object.values(value)) open(state, item, true);
}

/** A copy of a value as the library copies it: written out and read back, opened objects sorted. */
function copyAsWritten(state: State, value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map((item) => copyAsWritten(state, item));
  if (!isJsonObject(value)) return value;
  const copy: JsonObject = {};
  for (const [key, item] of Object.entries(value)) setOwn(copy, key, copyAsWritten(state, item));
  if (state.opened.has(value)) return asGoMap(copy);
  copyDuplicates(value, copy);
  return copy;
}

/**
 * Decodes the operations as kube-apiserver does under its default field validation (Warn): a
 * strict decode into its own operation type first, whose type errors are 400, then the library's.
 */
function decodeOperations(patch: JsonValue): JsonObject[] {
  // A JSON null decodes to an empty patch, as Go's json.Unmarshal makes it a nil slice.
  if (patch === null) return [];
  if (!Array.isArray(patch)) throw badRequest(`error decoding patch: json: cannot unmarshal ${jsonWord(patch)} into Go value of type []handlers.jsonPatchOp`);
  const operations = patch.map((operation) => {
    if (operation === null) return {};
    if (!isJsonObject(operation)) throw badRequest(`error decoding patch: json: cannot unmarshal ${jsonWord(operation)} into Go value of type handlers.jsonPatchOp`);
    for (const name of ['op', 'path', 'from']) {
      const value = getOwn(operation, name);
      if (value !== undefined && value !== null && typeof value !== 'string') {
        throw badRequest(`error decoding patch: json: cannot unmarshal ${jsonWord(value)} into Go struct field jsonPatchOp.${name} of type string`);
      }
    }
    return operation;
  });
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(413, 'RequestEntityTooLarge', `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`);
  }
  return operations;
}

function applyOperation(state: State, operation: JsonObject): string | undefined {
  const kind = getOwn(operation, 'op');
  switch (typeof kind === 'string' ? kind : 'unknown') {
    case 'add':
      return add(state, operation);
    case 'remove':
      return remove(state, operation);
    case 'replace':
      return replace(state, operation);
    case 'move':
      return move(state, operation);
    case 'test':
      return test(state, operation);
    case 'copy':
      return copy(state, operation);
    default:
      return `Unexpected kind: ${typeof kind === 'string' ? kind : 'unknown'}`;
  }
}

function add(state: State, operation: JsonObject): string | undefined {
  const path = field(operation, 'path');
  if ('error' in path) return `add operation failed to decode path: ${MISSING}`;
  const target = findParent(state, path.value);
  if (!target) return `add operation does not apply: doc is missing path: "${path.value}": ${MISSING}`;
  const error = insert(target.container, target.key, getOwn(operation, 'value') ?? null);
  return error === undefined ? undefined : `error in add for path: '${path.value}': ${error}`;
}

function remove(state: State, operation: JsonObject): string | undefined {
  const path = field(operation, 'path');
  if ('error' in path) return `remove operation failed to decode path: ${MISSING}`;
  const target = findParent(state, path.value);
  if (!target) return `remove operation does not apply: doc is missing path: "${path.value}": ${MISSING}`;
  const error = erase(target.container, target.key);
  return error === undefined ? undefined : `error in remove for path: '${path.value}': ${error}`;
}

function replace(state: State, operation: JsonObject): string | undefined {
  const path = field(operation, 'path');
  if ('error' in path) return `replace operation failed to decode path: ${path.error}`;
  const value = getOwn(operation, 'value');
  if (path.value === '') {
    // The library wraps a nil error here, which Go prints as %!w(<nil>).
    if (!isContainer(value)) return 'replace operation value must be object or array: %!w(<nil>)';
    state.root = value;
    return undefined;
  }
  const target = findParent(state, path.value);
  if (!target) return `replace operation does not apply: doc is missing path: ${path.value}: ${MISSING}`;
  // Reading a missing object key is not an error to the library, so replace then adds the key.
  if ('error' in read(target.container, target.key)) return `replace operation does not apply: doc is missing key: ${path.value}: ${MISSING}`;
  overwrite(target.container, target.key, value ?? null);
  return undefined;
}

function move(state: State, operation: JsonObject): string | undefined {
  const from = field(operation, 'from');
  if ('error' in from) return `move operation failed to decode from: ${from.error}`;
  const source = findParent(state, from.value);
  if (!source) return `move operation does not apply: doc is missing from path: ${from.value}: ${MISSING}`;
  const moved = read(source.container, source.key);
  if ('error' in moved) return `error in move for path: '${source.key}': ${moved.error}`;
  const removed = erase(source.container, source.key);
  if (removed !== undefined) return `error in move for path: '${source.key}': ${removed}`;
  const path = field(operation, 'path');
  if ('error' in path) return `move operation failed to decode path: ${path.error}`;
  const target = findParent(state, path.value);
  if (!target) return `move operation does not apply: doc is missing destination path: ${path.value}: ${MISSING}`;
  const error = insert(target.container, target.key, moved.value ?? null);
  return error === undefined ? undefined : `error in move for path: '${path.value}': ${error}`;
}

function test(state: State, operation: JsonObject): string | undefined {
  const path = field(operation, 'path');
  if ('error' in path) return `test operation failed to decode path: ${path.error}`;
  const expected = getOwn(operation, 'value');
  const failed = `testing value ${path.value} failed: test failed`;
  if (path.value === '') return passed(state, state.root, expected) ? undefined : failed;
  const target = findParent(state, path.value);
  if (!target) return `test operation does not apply: is missing path: ${path.value}: ${MISSING}`;
  const actual = read(target.container, target.key);
  if ('error' in actual) return `error in test for path: '${path.value}': ${actual.error}`;
  // A missing key and a null both read as nil, which matches an absent or null value.
  if (actual.value === undefined || actual.value === null) return expected === undefined || expected === null ? undefined : failed;
  return passed(state, actual.value, expected) ? undefined : failed;
}

/** Whether a tested value equals the expected one; the library opens every object it compares. */
function passed(state: State, actual: JsonValue, expected: JsonValue | undefined): boolean {
  if (expected === undefined || !jsonEqual(actual, expected)) return false;
  open(state, actual, true);
  return true;
}

function copy(state: State, operation: JsonObject): string | undefined {
  const from = field(operation, 'from');
  if ('error' in from) return `copy operation failed to decode from: ${from.error}`;
  const source = findParent(state, from.value);
  if (!source) return `copy operation does not apply: doc is missing from path: ${from.value}: ${MISSING}`;
  const copied = read(source.container, source.key);
  if ('error' in copied) return `error in copy for from: '${from.value}': ${copied.error}`;
  const path = field(operation, 'path');
  if ('error' in path) return `copy operation failed to decode path: ${MISSING}`;
  const target = findParent(state, path.value);
  if (!target) return `copy operation does not apply: doc is missing destination path: ${path.value}: ${MISSING}`;
  const error = insert(target.container, target.key, copyAsWritten(state, copied.value ?? null));
  return error === undefined ? undefined : `error while adding value during copy: ${error}`;
}

/** The operation's "path" or "from" (decoding has checked that it is a string if present). */
function field(operation: JsonObject, name: 'path' | 'from'): Field {
  const value = getOwn(operation, name);
  if (typeof value === 'string') return { value };
  return { error: name === 'path' ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}` };
}

/** The container holding the pointer's last token, walking (and opening) every token before it. */
function findParent(state: State, pointer: string): { container: Container; key: string } | undefined {
  const tokens = pointer.split('/');
  if (tokens.length < 2) return undefined;
  let container = state.root;
  for (const token of tokens.slice(1, -1)) {
    const next = read(container, unescapeToken(token));
    if ('error' in next || !isContainer(next.value)) return undefined;
    container = next.value;
    open(state, container);
  }
  return { container, key: unescapeToken(tokens[tokens.length - 1] ?? '') };
}

/** RFC 6901: "~1" is "/", then "~0" is "~", in one left-to-right pass. */
function unescapeToken(token: string): string {
  return token.replace(/~[01]/g, (escape) => (escape === '~1' ? '/' : '~'));
}

function read(container: Container, key: string): Read {
  if (!Array.isArray(container)) return { value: getOwn(container, key) };
  const index = arrayIndex(key, container.length);
  return 'error' in index ? index : { value: container[index.value] };
}

function insert(container: Container, key: string, value: JsonValue): string | undefined {
  if (!Array.isArray(container)) {
    setOwn(container, key, value);
    return undefined;
  }
  if (key === '-') {
    container.push(value);
    return undefined;
  }
  const parsed = atoi(key);
  if ('error' in parsed) return `value was not a proper array index: '${key}': ${parsed.error}`;
  const size = container.length + 1;
  let index = parsed.value;
  if (index >= size || index < -size) return `Unable to access invalid index: ${index}: ${INVALID_INDEX}`;
  if (index < 0) index += size;
  container.splice(index, 0, value);
  return undefined;
}

function erase(container: Container, key: string): string | undefined {
  if (!Array.isArray(container)) {
    if (!Object.hasOwn(container, key)) return `Unable to remove nonexistent key: ${key}: ${MISSING}`;
    delete container[key];
    return undefined;
  }
  const index = arrayIndex(key, container.length);
  if ('error' in index) return index.error;
  container.splice(index.value, 1);
  return undefined;
}

function overwrite(container: Container, key: string, value: JsonValue): void {
  if (!Array.isArray(container)) {
    setOwn(container, key, value);
    return;
  }
  const index = arrayIndex(key, container.length);
  if (!('error' in index)) container[index.value] = value;
}

/** An existing element's index; negative indexes count from the end. */
function arrayIndex(key: string, length: number): { value: number } | { error: string } {
  const parsed = atoi(key);
  if ('error' in parsed) return parsed;
  const index = parsed.value;
  if (index >= length || index < -length) return { error: `Unable to access invalid index: ${index}: ${INVALID_INDEX}` };
  return { value: index < 0 ? index + length : index };
}

/** Go's strconv.Atoi, with its error text. */
function atoi(text: string): { value: number } | { error: string } {
  if (!/^[+-]?[0-9]+$/.test(text)) return { error: `strconv.Atoi: parsing ${goQuote(text)}: invalid syntax` };
  const value = BigInt(text);
  if (value > 2n ** 63n - 1n || value < -(2n ** 63n)) return { error: `strconv.Atoi: parsing ${goQuote(text)}: value out of range` };
  return { value: Number(value) };
}

function isContainer(value: JsonValue | undefined): value is Container {
  return Array.isArray(value) || isJsonObject(value);
}
