/**
 * `metrics.k8s.io/v1beta1` served from the scraped figures, as metrics-server serves it behind
 * kube-aggregator: NodeMetrics and PodMetrics, `get` and `list` (all namespaces or one), label
 * selectors and `metadata.name`/`metadata.namespace` field selectors; the bodies as metrics-server
 * writes them (labels of the node or pod, `timestamp`, `window`, `usage.cpu` in nanocores,
 * `usage.memory` in binary SI). A node or pod without two readings yet is absent from lists and
 * NotFound when asked for, and only Running pods have metrics.
 */
import type { ObjectApi } from '../api/object-api.js';
import { isObject, metaOf, type Obj } from '../api/object-meta.js';
import { matchesLabels, parseFieldSelector, parseLabelSelector } from '../api/selectors.js';
import { badRequest, methodNotSupported, pathNotFound, StatusError } from '../api/status-error.js';
import { findResource } from '../resources/index.js';
import { METRICS_GROUP, METRICS_GROUP_VERSION, METRICS_VERSION } from './discovery.js';
import type { ContainerUsage, MetricsStorage, TimedUsage, Usage } from './metrics-storage.js';
import { bytesQuantity, cpuQuantity, goDuration } from './quantity.js';

/** A request for metrics: what RBAC authorizes and what is answered. */
export interface MetricsRequest {
  resource: 'nodes' | 'pods';
  /** '' for all namespaces (and for nodes). */
  namespace: string;
  name?: string;
}

/**
 * What a path under `/apis/metrics.k8s.io` asks for: the group's or version's discovery, a
 * resource, or undefined when the path is not the group's.
 * @throws StatusError 404 for a path in the group that names nothing it serves
 */
export function parseMetricsPath(segments: readonly string[]): { type: 'group' } | { type: 'version' } | { type: 'resource'; request: MetricsRequest } | undefined {
  if (segments[0] !== 'apis' || segments[1] !== METRICS_GROUP) return undefined;
  if (segments.length === 2) return { type: 'group' };
  if (segments[2] !== METRICS_VERSION) throw pathNotFound();
  const rest = segments.slice(3);
  if (rest.length === 0) return { type: 'version' };
  if (rest[0] === 'nodes' && rest.length <= 2) return { type: 'resource', request: { resource: 'nodes', namespace: '', ...(rest[1] === undefined ? {} : { name: rest[1] }) } };
  if (rest[0] === 'pods' && rest.length === 1) return { type: 'resource', request: { resource: 'pods', namespace: '' } };
  if (rest[0] === 'namespaces' && rest[2] === 'pods' && rest.length >= 3 && rest.length <= 4) {
    return { type: 'resource', request: { resource: 'pods', namespace: rest[1]!, ...(rest[3] === undefined ? {} : { name: rest[3] }) } };
  }
  throw pathNotFound();
}

/** The verb of a metrics request (`get` or `list`). @throws StatusError 405 for a write or a watch, as metrics-server answers them */
export function metricsVerb(method: string, request: MetricsRequest, query: URLSearchParams): 'get' | 'list' {
  const qualified = { group: METRICS_GROUP, resource: request.resource };
  if (method !== 'GET' && method !== 'HEAD') {
    throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', { group: METRICS_GROUP, kind: request.resource });
  }
  if (query.get('watch') === 'true' || query.get('watch') === '1') throw methodNotSupported(qualified, 'watch');
  return request.name === undefined ? 'list' : 'get';
}

/** Answers a get or list from `storage`, the nodes and pods read from `api`. @throws StatusError 404, or 400 for a bad selector */
export function answerMetrics(api: ObjectApi, storage: MetricsStorage, request: MetricsRequest, query: URLSearchParams, now: Date): Record<string, unknown> {
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  const fields = parseFieldSelector(query.get('fieldSelector') ?? '');
  // The generic API server's default field label conversion, which metrics-server's types use.
  for (const f of fields) {
    if (f.field !== 'metadata.name' && f.field !== 'metadata.namespace') throw badRequest(`"${f.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
  }
  const created = `${now.toISOString().slice(0, 19)}Z`;
  if (request.resource === 'nodes') {
    const nodes = findResource('', 'v1', 'nodes')!;
    if (request.name !== undefined) {
      const node = api.find(nodes, '', request.name);
      if (!node) throw new StatusError(404, 'NotFound', `node "${request.name}" not found`, { name: request.name, kind: 'node' });
      const usage = storage.node(request.name);
      if (!usage) throw new StatusError(404, 'NotFound', `nodemetrics.metrics.k8s.io "${request.name}" not found`, { name: request.name, group: METRICS_GROUP, kind: 'nodemetrics' });
      return { kind: 'NodeMetrics', apiVersion: METRICS_GROUP_VERSION, ...nodeMetrics(node, usage, created) };
    }
    const items = api.list(nodes, '').items
      .filter((node) => matchesLabels(labels, metaOf(node).labels) && matchesFields(fields, node))
      .flatMap((node) => {
        const usage = storage.node(metaOf(node).name ?? '');
        return usage ? [nodeMetrics(node, usage, created)] : [];
      })
      .sort((a, b) => compare(a.metadata.name, b.metadata.name));
    return { kind: 'NodeMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
  }
  const pods = findResource('', 'v1', 'pods')!;
  if (request.name !== undefined) {
    const pod = api.find(pods, request.namespace, request.name);
    if (!pod) throw new StatusError(404, 'NotFound', `pod "${request.name}" not found`, { name: request.name, kind: 'pod' });
    const usage = running(pod) ? storage.pod(request.namespace, request.name) : undefined;
    const key = `${request.namespace}/${request.name}`;
    if (!usage) throw new StatusError(404, 'NotFound', `podmetrics.metrics.k8s.io "${key}" not found`, { name: key, group: METRICS_GROUP, kind: 'podmetrics' });
    return { kind: 'PodMetrics', apiVersion: METRICS_GROUP_VERSION, ...podMetrics(pod, usage, created) };
  }
  const items = api.list(pods, request.namespace).items
    .filter((pod) => running(pod) && matchesLabels(labels, metaOf(pod).labels) && matchesFields(fields, pod))
    .flatMap((pod) => {
      const meta = metaOf(pod);
      const usage = storage.pod(meta.namespace ?? '', meta.name ?? '');
      return usage ? [podMetrics(pod, usage, created)] : [];
    })
    .sort((a, b) => compare(a.metadata.namespace, b.metadata.namespace) || compare(a.metadata.name, b.metadata.name));
  return { kind: 'PodMetricsList', apiVersion: METRICS_GROUP_VERSION, metadata: {}, items };
}

interface ItemMeta {
  name: string;
  namespace?: string;
  creationTimestamp: string;
  labels?: Record<string, string>;
}

function itemMeta(object: Obj, created: string): ItemMeta {
  const meta = metaOf(object);
  return {
    name: meta.name ?? '',
    ...(meta.namespace ? { namespace: meta.namespace } : {}),
    creationTimestamp: created,
    ...(meta.labels && Object.keys(meta.labels).length > 0 ? { labels: meta.labels } : {}),
  };
}

function nodeMetrics(node: Obj, usage: TimedUsage<Usage>, created: string): { metadata: ItemMeta } & Record<string, unknown> {
  return { metadata: itemMeta(node, created), ...times(usage), usage: quantities(usage.usage) };
}

function podMetrics(pod: Obj, usage: TimedUsage<ContainerUsage[]>, created: string): { metadata: ItemMeta } & Record<string, unknown> {
  // In the pod's order of containers, as the kubelet lists them.
  const order = containerOrder(pod);
  const containers = [...usage.usage].sort((a, b) => (order.get(a.name) ?? 1e9) - (order.get(b.name) ?? 1e9) || compare(a.name, b.name));
  return { metadata: itemMeta(pod, created), ...times(usage), containers: containers.map((c) => ({ name: c.name, usage: quantities(c.usage) })) };
}

function times(usage: TimedUsage<unknown>): { timestamp: string; window: string } {
  return { timestamp: `${new Date(usage.timestampMs).toISOString().slice(0, 19)}Z`, window: goDuration(usage.windowMs) };
}

function quantities(usage: Usage): Record<string, string> {
  return { cpu: cpuQuantity(usage.cpuNanoCores), memory: bytesQuantity(usage.memoryBytes), swap: bytesQuantity(usage.swapBytes) };
}

function containerOrder(pod: Obj): Map<string, number> {
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const containers = Array.isArray(spec['containers']) ? spec['containers'] as { name?: string }[] : [];
  return new Map(containers.map((c, i) => [c.name ?? '', i]));
}

function running(pod: Obj): boolean {
  return isObject(pod['status']) && pod['status']['phase'] === 'Running';
}

function matchesFields(fields: ReturnType<typeof parseFieldSelector>, object: Obj): boolean {
  const meta = metaOf(object);
  return fields.every((f) => {
    const value = f.field === 'metadata.name' ? meta.name ?? '' : meta.namespace ?? '';
    return f.op === '=' ? value === f.value : value !== f.value;
  });
}

function compare(a: string | undefined, b: string | undefined): number {
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
}
