/**
 * The one decoding step of every write, as kube-apiserver's handlers decode into the kind's Go
 * type: the body of a create or an update (and of the creates a subresource or an answered
 * resource takes: a Binding, a TokenRequest, a SubjectAccessReview), and the object a patch
 * makes. A field of the wrong type fails the write; unknown and duplicate fields are what the
 * request's fieldValidation makes them: Strict refuses the write naming them all, Warn (the
 * default) sends one warning each, Ignore drops them.
 */
import { copyDuplicates, MAX_STRICT_ERRORS, stringifyJson } from '../../api/json/index.js';
import { decodeFailure, decodeObject, decodeUnstructured, isStrictError, strictDecodingError, type DecodeError } from '../../api/schema.js';
import { compareGoStrings, undecodable, type Patched, type PatchError } from '../patch/index.js';
import { isObject, type Obj } from './object-meta.js';
import { badRequest, StatusError } from './status-error.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** kube-apiserver's default: what a client that does not say gets (kubectl says Strict). */
export const DEFAULT_FIELD_VALIDATION: FieldValidation = 'Warn';

/** The Go type a write decodes into: a resource's kind, or a subresource's (Binding, TokenRequest). */
export interface WriteKind {
  group: string;
  version: string;
  kind: string;
  /** A custom resource's pruning: it is decoded as unstructured JSON, then pruned (see ResourceSpec). */
  pruneUnknown?: (object: Obj) => string[];
}

/**
 * Decodes the body of a create or an update into `kind`, adding its strict errors to `warnings`
 * under Warn.
 * @throws StatusError 400 for a wrong kind or apiVersion, a field of the wrong type, and under
 *   Strict for unknown or duplicate fields ("Pod in version "v1" cannot be handled as a Pod:
 *   strict decoding error: unknown field "spec.colour"")
 */
export function decodeWrite(kind: WriteKind, body: unknown, validation: FieldValidation, warnings: string[]): Obj {
  const prefix = `${kind.kind} in version "${kind.version}" cannot be handled as a ${kind.kind}: `;
  const { object, failures, strict } = decodeAs(kind, body);
  if (failures.length > 0) throw badRequest(prefix + decodeFailure(failures));
  enforce(validation, strict, warnings, (errors) => badRequest(prefix + strictDecodingError(errors)));
  return object;
}

/**
 * Decodes the object a patch made into `kind`. `patchErrors` are the strict errors of the patch
 * body itself (duplicate keys, a JSON patch's unknown operation fields), which come first.
 * @throws StatusError 400 for a wrong kind or apiVersion; 422 Invalid on the field "patch",
 *   showing the patched object (or the strategic merge patch), for a field of the wrong type and
 *   under Strict for unknown or duplicate fields
 */
export function decodePatched(kind: WriteKind, patched: Patched, patchErrors: readonly string[], validation: FieldValidation, warnings: string[]): Obj {
  const { object, failures, strict } = decodeAs(kind, patched.object);
  // A field of the wrong type trumps the strict errors, which kube-apiserver then drops as
  // incomplete. The unstructured converter that decodes a strategic merge's result has its own
  // words for it, and sorts the unknown fields it reports.
  const first = failures[0];
  if (first) throw statusOf(undecodable(patched.shown(), (patched.fromMap ? first.converter : undefined) ?? decodeFailure(failures)));
  const found = patched.fromMap ? [...strict].sort(compareGoStrings) : strict;
  enforce(validation, [...patchErrors, ...found], warnings, (errors) => statusOf(undecodable(patched.shown(), strictDecodingError(errors))));
  return object;
}

/** The Status a patch error describes. */
export function statusOf(error: PatchError): StatusError {
  return new StatusError(error.code, error.reason, error.message, error.details);
}

/** Strict errors under the write's field validation: thrown (Strict), warned about (Warn) or dropped (Ignore). */
function enforce(validation: FieldValidation, errors: readonly string[], warnings: string[], refuse: (errors: readonly string[]) => StatusError): void {
  if (errors.length === 0 || validation === 'Ignore') return;
  if (validation === 'Strict') throw refuse(errors);
  warnings.push(...[...new Set(errors)].slice(0, MAX_STRICT_ERRORS));
}

/**
 * Checks kind and apiVersion, then decodes into the kind's type: the object, the failures (a
 * field of the wrong type) and the strict errors (duplicate and unknown fields, in the order met).
 * @throws StatusError 400 for a body that is no object, or of another kind or apiVersion
 */
function decodeAs(kind: WriteKind, body: unknown): { object: Obj; failures: DecodeError[]; strict: string[] } {
  const expectedVersion = kind.group === '' ? kind.version : `${kind.group}/${kind.version}`;
  if (!isObject(body)) throw badRequest(`Object 'Kind' is missing in '${stringifyJson(body)}'`);
  const apiVersion = body['apiVersion'] ?? expectedVersion;
  const kindName = body['kind'] ?? kind.kind;
  if (apiVersion !== expectedVersion) {
    throw badRequest(`the API version in the data (${typeof apiVersion === 'string' ? apiVersion : stringifyJson(apiVersion)}) does not match the expected API version (${expectedVersion})`);
  }
  if (kindName !== kind.kind) {
    throw badRequest(`the kind in the data (${typeof kindName === 'string' ? kindName : stringifyJson(kindName)}) does not match the expected kind (${kind.kind})`);
  }
  const typed = { ...body, apiVersion, kind: kindName };
  copyDuplicates(body, typed);
  if (kind.pruneUnknown) {
    // A custom resource has no Go type: its schema says which fields it has.
    const decoded = decodeUnstructured(typed);
    const unknown = kind.pruneUnknown(decoded.object);
    return { object: decoded.object, failures: decoded.errors.filter((e) => !isStrictError(e)), strict: [...decoded.errors.filter(isStrictError).map((e) => e.message), ...unknown.map((f) => `unknown field ${JSON.stringify(f)}`)] };
  }
  const decoded = decodeObject(expectedVersion, kind.kind, typed);
  return {
    object: decoded.object,
    failures: decoded.errors.filter((e) => !isStrictError(e)),
    strict: decoded.errors.filter(isStrictError).map((e) => e.message),
  };
}
