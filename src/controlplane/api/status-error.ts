/**
 * The one exception type of the API server: an HTTP code and the `Status` body kube-apiserver
 * would send, with upstream's reasons and wording (k8s.io/apimachinery/pkg/api/errors).
 */
import { formatFieldError, type FieldError } from '../../policy/field.js';
import { metaOf, type Obj } from './object-meta.js';

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A failure the API server answers with a `Status` object. */
export class StatusError extends Error {
  /**
   * Warnings recorded before the failure: kube-apiserver's warning recorder writes each as a
   * header when it is recorded, so they go out with the Status too.
   */
  warnings: string[] = [];

  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  /** The `Status` body for the response. */
  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      // An internal error of upstream's (a failed typed conversion) has no reason at all.
      ...(this.reason === '' ? {} : { reason: this.reason }),
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/**
 * Runs a step of a request that records `warnings`: a StatusError it throws carries the warnings
 * recorded until then (kube-apiserver's warning recorder writes them whatever the answer).
 */
export function keepingWarnings<T>(warnings: readonly string[], step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof StatusError && error.warnings.length === 0) error.warnings = [...warnings];
    throw error;
  }
}

/** How errors name a resource: `pods`, `daemonsets.apps`. */
export interface Qualified {
  group: string;
  resource: string;
}

export function qualifiedName(r: Qualified): string {
  return r.group === '' ? r.resource : `${r.resource}.${r.group}`;
}

function details(r: Qualified, name: string): StatusDetails {
  return { name, ...(r.group === '' ? {} : { group: r.group }), kind: r.resource };
}

export function notFound(r: Qualified, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${qualifiedName(r)} "${name}" not found`, details(r, name));
}

export function alreadyExists(r: Qualified, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${qualifiedName(r)} "${name}" already exists`, details(r, name));
}

export function conflict(r: Qualified, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError {
  return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedName(r)} "${name}": ${why}`, details(r, name));
}

/**
 * 422: an update without a resourceVersion of a resource that takes none unconditionally, worded
 * as kube-apiserver's registry words it (the resource where the kind would be).
 */
export function resourceVersionRequired(r: Qualified, name: string): StatusError {
  const error = 'Invalid value: 0: must be specified for an update';
  return new StatusError(422, 'Invalid', `${qualifiedName(r)} "${name}" is invalid: metadata.resourceVersion: ${error}`, {
    ...details(r, name), causes: [{ reason: 'FieldValueInvalid', message: error, field: 'metadata.resourceVersion' }],
  });
}

/**
 * 422: the object failed validation; `kind` is the object's kind (`Pod`), named as upstream's
 * NewInvalid names it, with its group (`DaemonSet.apps "x" is invalid`).
 */
export function invalid(kind: string, group: string, name: string, causes: { field: string; type: string; message: string }[]): StatusError {
  const summary = causes.length === 1
    ? `${causes[0]!.field}: ${causes[0]!.message}`
    : `[${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}]`;
  return new StatusError(422, 'Invalid', `${group === '' ? kind : `${kind}.${group}`} "${name}" is invalid: ${summary}`, {
    name, ...(group === '' ? {} : { group }), kind,
    causes: causes.map((c) => ({ reason: c.type, message: c.message, field: c.field })),
  });
}

/** A 422 Invalid for field errors of the policy engine about `object`, of `info`'s kind. */
export function invalidObject(info: { kind: string; group: string }, object: Obj, errors: readonly FieldError[]): StatusError {
  return invalid(info.kind, info.group, metaOf(object).name ?? '', errors.map((e) => {
    const text = formatFieldError(e);
    return { field: e.field, type: e.type, message: text.slice(e.field.length + 2) };
  }));
}

export function forbidden(r: Qualified, name: string, why: string): StatusError {
  const subject = name === '' ? qualifiedName(r) : `${qualifiedName(r)} "${name}"`;
  return new StatusError(403, 'Forbidden', `${subject} is forbidden: ${why}`, details(r, name));
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, 'BadRequest', message);
}

export function unauthorized(): StatusError {
  return new StatusError(401, 'Unauthorized', 'Unauthorized');
}

export function gone(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

export function methodNotSupported(r: Qualified, verb: string): StatusError {
  return new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedName(r)}"`,
    { ...(r.group === '' ? {} : { group: r.group }), kind: r.resource });
}

export function pathNotFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

export function internalError(message: string): StatusError {
  return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`);
}
