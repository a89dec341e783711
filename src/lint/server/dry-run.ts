/**
 * One object's server-side dry run, made as `kubectl apply --dry-run=server` makes it: the object
 * is looked up by name; when it does not exist it is created (`POST ?dryRun=All`), and when it
 * does it is patched (`PATCH ?dryRun=All`, a strategic merge patch for built-in kinds and a JSON
 * merge patch for custom resources), both with `fieldValidation=Strict` and kubectl's
 * last-applied-configuration annotation. An object with only `generateName` is created, as
 * `kubectl create` does (apply needs a name).
 *
 * Where it differs from kubectl apply: its patch is the whole manifest, where kubectl's is a
 * three-way diff against the last applied configuration; so a field removed from a manifest since
 * it was last applied is still there in the dry run.
 */
import { resolveKind } from '../../api/kinds.js';
import { collectionPath, type ApiTransport } from './api-transport.js';
import { isVerdict, type RestMapper } from './rest-mapper.js';
import { verdictOf, type ServerVerdict } from './verdict.js';

/** The field manager of the dry runs (the managedFields entry a webhook would see). */
export const FIELD_MANAGER = 'hostpod-lint';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const DRY_RUN = { dryRun: 'All', fieldValidation: 'Strict', fieldManager: FIELD_MANAGER };

type Obj = Record<string, unknown>;

export interface DryRunOutcome {
  verdict: ServerVerdict;
  /** The namespace it was sent to, for a namespaced kind. */
  namespace?: string;
  /** The object the server answered with (the would-be stored object), when it allowed it. */
  answered?: Obj;
}

/**
 * Dry-runs `object` (its apiVersion and kind set) as kubectl apply would; `defaultNamespace` is
 * where a namespaced object without metadata.namespace goes (the context's namespace).
 */
export async function dryRunApply(transport: ApiTransport, mapper: RestMapper, object: Obj, defaultNamespace: string): Promise<DryRunOutcome> {
  const apiVersion = object['apiVersion'] as string;
  const kind = object['kind'] as string;
  const mapping = await mapper.map(apiVersion, kind);
  if (isVerdict(mapping)) return { verdict: mapping };
  const body = structuredClone(object);
  // Metadata that is no object is sent as it is, for the server to refuse as kubectl would see it refused.
  const meta = isObj(body['metadata']) ? body['metadata'] : undefined;
  const namespace = mapping.namespaced ? nonEmpty(meta?.['namespace']) ?? defaultNamespace : undefined;
  if (namespace !== undefined && meta) meta['namespace'] = namespace;
  const collection = collectionPath(mapping.group, mapping.version, mapping.resource, namespace);
  const name = nonEmpty(meta?.['name']);
  const at = namespace === undefined ? {} : { namespace };

  let exists = false;
  if (name !== undefined) {
    const live = await transport.exchange('GET', `${collection}/${encodeURIComponent(name)}`);
    if (live.status === 200) exists = true;
    else if (live.status !== 404) return { verdict: verdictOf(live, 'get'), ...at };
    annotateLastApplied(body);
  }
  const answer = exists
    ? await transport.exchange('PATCH', `${collection}/${encodeURIComponent(name ?? '')}`, { query: DRY_RUN, body, contentType: patchType(apiVersion, kind) })
    : await transport.exchange('POST', collection, { query: DRY_RUN, body });
  const verdict = verdictOf(answer, exists ? 'patch' : 'create');
  return { verdict, ...at, ...(verdict.outcome === 'allowed' && isObj(answer.body) ? { answered: answer.body } : {}) };
}

/**
 * Dry-runs a Pod made from a workload's pod template, as its controller would create it: the
 * template's labels, annotations and finalizers and its spec, a generated name, and the workload
 * as its controlling owner. Pod Security, and many policies, judge pods and not workloads.
 * @returns undefined when `object` has no pod template
 */
export async function dryRunPods(transport: ApiTransport, object: Obj, namespace: string, owner: Obj | undefined): Promise<ServerVerdict | undefined> {
  const kind = resolveKind(object['apiVersion'], object['kind']);
  if (kind.type !== 'pod' || kind.info.templatePath.length === 0) return undefined;
  let template: unknown = object;
  for (const key of kind.info.templatePath) template = isObj(template) ? template[key] : undefined;
  if (!isObj(template)) return undefined;
  const templateMeta = isObj(template['metadata']) ? template['metadata'] : {};
  const name = nonEmpty(isObj(object['metadata']) ? object['metadata']['name'] : undefined) ?? 'lint';
  const ownerMeta = isObj(owner?.['metadata']) ? owner['metadata'] : {};
  // Jobs own a CronJob's pods, and a PodTemplate owns none: only direct controllers are named.
  const controls = !['CronJob', 'PodTemplate'].includes(kind.info.kind) && typeof ownerMeta['uid'] === 'string';
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace,
      ...pick(templateMeta, ['labels', 'annotations', 'finalizers']),
      ...(controls ? { ownerReferences: [{ apiVersion: kind.info.apiVersion, kind: kind.info.kind, name, uid: ownerMeta['uid'], controller: true }] } : {}),
    },
    spec: template['spec'] ?? {},
  };
  const answer = await transport.exchange('POST', collectionPath('', 'v1', 'pods', namespace), { query: DRY_RUN, body: pod });
  return verdictOf(answer, 'create');
}

/** What kubectl apply sends for an existing object of this kind: strategic merge for built-in kinds, which the server has patch metadata for. */
function patchType(apiVersion: string, kind: string): string {
  return resolveKind(apiVersion, kind).type === 'custom' ? 'application/merge-patch+json' : 'application/strategic-merge-patch+json';
}

/**
 * kubectl apply's annotation: the object without it, as compact JSON with sorted keys and Go's
 * HTML escapes and a newline (encoding/json's Encoder), set as its value. It counts towards the
 * 256 KiB that an object's annotations may hold, so a large object can fail on it.
 */
function annotateLastApplied(body: Obj): void {
  const meta = body['metadata'] as Obj;
  const annotations = isObj(meta['annotations']) ? { ...meta['annotations'] } : {};
  delete annotations[LAST_APPLIED];
  meta['annotations'] = annotations;
  const json = `${goJson(body)}\n`;
  meta['annotations'] = { ...annotations, [LAST_APPLIED]: json };
}

function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObj(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
}

function pick(from: Obj, keys: readonly string[]): Obj {
  return Object.fromEntries(keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k]]));
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
