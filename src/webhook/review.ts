/**
 * One AdmissionReview (admission.k8s.io/v1) in, its response out: the validating endpoint's
 * verdict (denials as a 403 Status naming the object, field and fix; warnings as
 * `response.warnings`, which kubectl prints as "Warning: ...") and the mutating endpoint's
 * JSONPatch. Objects of kinds that make no pods, and pods that are not HostProcess pods, are
 * allowed untouched.
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import { FieldPath } from '../policy/field.js';
import { isHostProcessPod } from '../policy/validation/index.js';
import type { WebhookConfig } from './config.js';
import { containerd17Findings, podFindings, type Advisor, type Finding } from './advice.js';
import { defaultsPatch, type PatchOperation } from './mutate.js';

/** An AdmissionReview the server cannot answer: the HTTP 400's message. */
export class BadReview extends Error {}

export interface ReviewRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: string;
  namespace?: string;
  name?: string;
  object: Record<string, unknown> | null;
  /** The object before an UPDATE. */
  oldObject: Record<string, unknown> | null;
}

export interface ReviewResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason?: string; message: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  /** base64 of the JSON patch. */
  patch?: string;
}

// Where each kind keeps its pod template, by group and kind (the request names the version served).
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  '/Pod': [],
  '/ReplicationController': ['spec', 'template'],
  '/PodTemplate': ['template'],
  'apps/DaemonSet': ['spec', 'template'],
  'apps/Deployment': ['spec', 'template'],
  'apps/ReplicaSet': ['spec', 'template'],
  'apps/StatefulSet': ['spec', 'template'],
  'batch/Job': ['spec', 'template'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template'],
};

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The request of an AdmissionReview body.
 * @throws BadReview saying what is missing or wrong
 */
export function parseReview(body: unknown): ReviewRequest {
  if (!isMap(body)) throw new BadReview('the body is not a JSON object: expected an AdmissionReview (apiVersion admission.k8s.io/v1)');
  if (body['apiVersion'] !== 'admission.k8s.io/v1' || body['kind'] !== 'AdmissionReview') {
    throw new BadReview(`expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, found ${JSON.stringify(body['apiVersion'] ?? null)} and ${JSON.stringify(body['kind'] ?? null)}: ` +
      'register the webhook with admissionReviewVersions: ["v1"]');
  }
  const request = body['request'];
  if (!isMap(request)) throw new BadReview('AdmissionReview has no request object');
  if (typeof request['uid'] !== 'string' || request['uid'] === '') throw new BadReview('AdmissionReview request.uid is missing: it is echoed in the response');
  const kind = request['kind'];
  if (!isMap(kind) || typeof kind['kind'] !== 'string' || typeof kind['version'] !== 'string') {
    throw new BadReview(`AdmissionReview request.kind is ${JSON.stringify(kind ?? null)}: expected {group, version, kind}`);
  }
  const object = request['object'] ?? null;
  if (object !== null && !isMap(object)) throw new BadReview('AdmissionReview request.object is not an object');
  return {
    uid: request['uid'],
    kind: { group: typeof kind['group'] === 'string' ? kind['group'] : '', version: kind['version'], kind: kind['kind'] },
    operation: typeof request['operation'] === 'string' ? request['operation'] : '',
    ...(typeof request['namespace'] === 'string' ? { namespace: request['namespace'] } : {}),
    ...(typeof request['name'] === 'string' ? { name: request['name'] } : {}),
    object,
    oldObject: isMap(request['oldObject']) ? request['oldObject'] : null,
  };
}

interface PodParts {
  meta: V1ObjectMeta;
  spec: V1PodSpec;
  specPath: FieldPath;
  metaPath: FieldPath;
  templatePath: readonly string[];
}

/** The HostProcess pod (or template) of the request's object, if it has one. */
function hostProcessPod(request: ReviewRequest): PodParts | undefined {
  const templatePath = TEMPLATE_PATHS[`${request.kind.group}/${request.kind.kind}`];
  if (templatePath === undefined || request.object === null) return undefined;
  let current: unknown = request.object;
  for (const key of templatePath) current = isMap(current) ? current[key] : undefined;
  if (!isMap(current) || !isMap(current['spec'])) return undefined;
  const spec = current['spec'] as unknown as V1PodSpec;
  if (!isHostProcessPod(spec)) return undefined;
  const base = FieldPath.of(templatePath);
  const at = (name: string): FieldPath => (templatePath.length === 0 ? FieldPath.root(name) : base.child(name));
  return { meta: (isMap(current['metadata']) ? current['metadata'] : {}), spec, specPath: at('spec'), metaPath: at('metadata'), templatePath };
}

/**
 * `read()` over the request's object; a TypeError there means a field of the wrong type, which
 * the API server's own decoding never sends: a BadReview rather than a crash or a 500.
 */
function readable<T>(request: ReviewRequest, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new BadReview(`AdmissionReview request.object (${describeObject(request)}) cannot be read as a ${request.kind.kind}: ${error.message}`);
  }
}

/** `Pod default/web` or `Deployment web`: how messages name the object. */
export function describeObject(request: ReviewRequest): string {
  const meta = isMap(request.object?.['metadata']) ? request.object['metadata'] : {};
  const name = request.name ?? (typeof meta['name'] === 'string' && meta['name'] !== '' ? meta['name'] : typeof meta['generateName'] === 'string' ? `${meta['generateName']}*` : '(unnamed)');
  return `${request.kind.kind} ${request.namespace ? `${request.namespace}/` : ''}${name}`;
}

function specAt(object: Record<string, unknown> | null, templatePath: readonly string[]): unknown {
  let current: unknown = object;
  for (const key of [...templatePath, 'spec']) current = isMap(current) ? current[key] : undefined;
  return current;
}

/** Whether two objects have the same pod spec; the API server writes both from one Go type, in one key order. */
function sameSpec(old: Record<string, unknown>, current: Record<string, unknown> | null, templatePath: readonly string[]): boolean {
  return JSON.stringify(specAt(old, templatePath)) === JSON.stringify(specAt(current, templatePath));
}

/** The validating verdict on `request` under `config`, with `advisors` run after the built-in rules. */
export async function validateReview(request: ReviewRequest, config: WebhookConfig, advisors: readonly Advisor[] = []): Promise<ReviewResponse> {
  const pod = request.operation === 'DELETE' || request.operation === 'CONNECT' ? undefined : readable(request, () => hostProcessPod(request));
  if (!pod) return { uid: request.uid, allowed: true };
  // An update that leaves the pod spec as it was (labels, annotations, scale, a controller's
  // bookkeeping) is not judged again, as Pod Security judges updates: a pod admitted before the
  // webhook, or before its configuration got stricter, can still be labelled and scaled.
  if (request.operation === 'UPDATE' && request.oldObject !== null && sameSpec(request.oldObject, request.object, pod.templatePath)) {
    return { uid: request.uid, allowed: true };
  }
  const findings: Finding[] = readable(request, () => [...podFindings(pod.meta, pod.spec, pod.specPath, pod.metaPath), ...containerd17Findings(pod.spec, pod.specPath, request.namespace ?? 'default')]);
  for (const advisor of advisors) findings.push(...await advisor(pod.spec, pod.specPath));
  const object = describeObject(request);
  const denials = findings.filter((f) => config.validate[f.rule] === 'deny');
  const warnings = findings.filter((f) => config.validate[f.rule] === 'warn').map((f) => `${object}: ${f.message} [hostpod ${f.rule}]`);
  if (denials.length > 0) {
    return {
      uid: request.uid,
      allowed: false,
      status: {
        code: 403, reason: 'Forbidden',
        message: `${object} is refused by hostpod's HostProcess policy: ${denials.map((f) => `${f.message} [${f.rule}]`).join('; ')}`,
      },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }
  return { uid: request.uid, allowed: true, ...(warnings.length > 0 ? { warnings } : {}) };
}

/** The mutating answer: the configured defaults a HostProcess pod lacks, as a JSONPatch. */
export function mutateReview(request: ReviewRequest, config: WebhookConfig): ReviewResponse {
  const pod = request.operation === 'CREATE' ? readable(request, () => hostProcessPod(request)) : undefined;
  const patch: PatchOperation[] = pod ? readable(request, () => defaultsPatch(pod.spec, pod.templatePath, config.mutate)) : [];
  if (patch.length === 0) return { uid: request.uid, allowed: true };
  return { uid: request.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') };
}

/** The response body: an AdmissionReview carrying `response`. */
export function reviewBody(response: ReviewResponse): string {
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
}
