/**
 * A cluster's verdict on one object, read from the answer to its server-side dry run: allowed,
 * refused (the answer kubectl apply would print as `Error from server`), or not given.
 */
import { statusOf, type ApiAnswer } from './api-transport.js';

/**
 * - `allowed`: the server accepts it (any 2xx);
 * - `refused`: the server answered an error a real apply would fail with;
 * - `unchecked`: the server could not judge it: no permission for the dry run, or overloaded;
 * - `pending`: it needs something earlier in the input that a dry run does not create (its
 *   Namespace, or the CustomResourceDefinition of its kind), so the server cannot judge it yet.
 */
export type ServerOutcome = 'allowed' | 'refused' | 'unchecked' | 'pending';

export interface ServerVerdict {
  outcome: ServerOutcome;
  /** How it was dry-run: created, or patched because it exists (as kubectl apply). Absent when no request could be made. */
  request?: 'create' | 'patch';
  /** The HTTP status of the answer. */
  code?: number;
  /** The Status reason: Forbidden, Invalid, NotFound, BadRequest, ... */
  reason?: string;
  /** The Status message, as kubectl prints it after `Error from server (REASON):`. */
  message?: string;
  /** The Status causes of an Invalid answer. */
  causes?: { field: string; reason: string; message: string }[];
  /** The texts of the answer's Warning headers. */
  warnings: string[];
  /** What to do about a refusal or a missing verdict. */
  hint?: string;
}

/** The server's word on one object of the input, beside hostpod's. */
export interface ServerCheck extends ServerVerdict {
  /**
   * For a workload the server allowed: the verdict on a Pod made from its template, as its
   * controller would create it (Pod Security and policies judge pods, not workloads).
   */
  pods?: ServerVerdict;
  /** Whether hostpod's verdict differs from the server's. */
  disagrees: boolean;
}

// kube-apiserver's authorizer refusal (responsewriters.forbiddenMessage), which hostpod's copies.
const NOT_PERMITTED = /\bUser "([^"]*)" cannot (\S+) resource "([^"]*)" in API group "([^"]*)"(?: in the namespace "([^"]*)")?/;

/** The verdict an answer gives, for a request made with `request`. */
export function verdictOf(answer: ApiAnswer, request: 'create' | 'patch' | 'get'): ServerVerdict {
  const made = request === 'get' ? {} : { request };
  if (answer.status >= 200 && answer.status < 300) return { outcome: 'allowed', ...made, code: answer.status, warnings: answer.warnings };
  const status = statusOf(answer);
  const message = status?.message ?? (typeof answer.body === 'string' && answer.body !== '' ? answer.body.slice(0, 500) : `the server answered ${answer.status}`);
  const verdict: ServerVerdict = {
    outcome: 'refused', ...made, code: answer.status, reason: status?.reason || reasonOf(answer.status), message, warnings: answer.warnings,
  };
  const causes = status?.details?.causes;
  if (answer.status === 422 && causes && causes.length > 0) {
    verdict.causes = causes.map((c) => ({ field: c.field ?? '', reason: c.reason ?? '', message: c.message ?? '' }));
  }
  const denied = NOT_PERMITTED.exec(message);
  if (answer.status === 403 && denied) {
    const [, user = '', verb = '', resource = '', group = '', namespace] = denied;
    const what = `${resource}${group ? `.${group}` : ''}`;
    const where = namespace === undefined ? '' : ` -n ${namespace}`;
    verdict.outcome = 'unchecked';
    verdict.hint = `a dry run needs the permission the real request needs, and user "${user}" may not ${verb} ${what}` +
      `${namespace === undefined ? '' : ` in namespace "${namespace}"`}: ask the cluster's admin for it (kubectl auth can-i ${verb} ${what}${where}), or lint without --server`;
  } else if (answer.status === 429 || answer.status === 503 || answer.status === 504) {
    verdict.outcome = 'unchecked';
    verdict.hint = 'the server is busy or did not answer in time: run lint again';
  } else {
    const hint = refusalHint(answer.status, status?.details?.kind, message);
    if (hint) verdict.hint = hint;
  }
  return verdict;
}

/** The reason kube-apiserver gives a status when the body has none. */
function reasonOf(status: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict',
    413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType', 422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
  };
  return reasons[status] ?? 'Unknown';
}

function refusalHint(status: number, detailsKind: string | undefined, message: string): string | undefined {
  const namespace = /^namespaces "([^"]*)" not found$/.exec(message);
  if (status === 404 && (detailsKind === 'namespaces' || namespace)) {
    const name = namespace?.[1] ?? '';
    return `namespace "${name}" does not exist on this cluster: create it first (kubectl create namespace ${name}), or set metadata.namespace to one that exists`;
  }
  const policy = /ValidatingAdmissionPolicy '([^']*)' with binding '([^']*)' denied request/.exec(message);
  if (policy) {
    return `the cluster's ValidatingAdmissionPolicy "${policy[1] ?? ''}" (binding "${policy[2] ?? ''}") refuses it: kubectl get validatingadmissionpolicy ${policy[1] ?? ''} -o yaml shows its rules`;
  }
  const webhook = /admission webhook "([^"]*)" denied the request/.exec(message);
  if (webhook) return `the cluster's admission webhook "${webhook[1] ?? ''}" refuses it: kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations shows who runs it`;
  if (/failed calling webhook "([^"]*)"/.test(message)) return 'an admission webhook of the cluster failed, and its failurePolicy is Fail: the real request would fail the same way until the webhook answers';
  if (status === 400 && /strict decoding error|unknown field/.test(message)) {
    return 'this cluster does not know a field of the object: check its spelling, and whether the cluster\'s version has it (kubectl explain)';
  }
  return undefined;
}

/** A verdict without a request: the server cannot judge the object as it stands. */
export function refusedWithout(reason: string, message: string, hint?: string): ServerVerdict {
  return { outcome: 'refused', reason, message, warnings: [], ...(hint ? { hint } : {}) };
}
