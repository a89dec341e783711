/**
 * How `metrics.k8s.io/v1beta1` shows in discovery, as metrics-server's APIService makes it show
 * through kube-aggregator: the group last in `/apis` (its groupPriorityMinimum of 100 is the
 * lowest), NodeMetrics `nodes` and PodMetrics `pods` with `get` and `list`, no singular names
 * (metrics-server's storage gives none).
 */

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_GROUP_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

interface MetricsResource {
  resource: 'nodes' | 'pods';
  kind: 'NodeMetrics' | 'PodMetrics';
  namespaced: boolean;
}

export const METRICS_RESOURCES: readonly MetricsResource[] = [
  { resource: 'nodes', kind: 'NodeMetrics', namespaced: false },
  { resource: 'pods', kind: 'PodMetrics', namespaced: true },
];

const VERBS = ['get', 'list'];

/** Its entry in `/apis`' APIGroupList, and the body of `/apis/metrics.k8s.io`. */
export function metricsApiGroup(): Record<string, unknown> {
  const version = { groupVersion: METRICS_GROUP_VERSION, version: METRICS_VERSION };
  return { name: METRICS_GROUP, versions: [version], preferredVersion: version };
}

/** `/apis/metrics.k8s.io/v1beta1`. */
export function metricsResourceList(): Record<string, unknown> {
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: METRICS_GROUP_VERSION,
    resources: METRICS_RESOURCES.map((r) => ({ name: r.resource, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: VERBS })),
  };
}

/** Its item in `/apis`' aggregated discovery (APIGroupDiscovery). */
export function metricsAggregatedGroup(): Record<string, unknown> {
  return {
    metadata: { name: METRICS_GROUP },
    versions: [{
      version: METRICS_VERSION,
      resources: METRICS_RESOURCES.map((r) => ({
        resource: r.resource,
        responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: '',
        verbs: VERBS,
      })),
      freshness: 'Current',
    }],
  };
}
