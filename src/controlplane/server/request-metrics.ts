/**
 * The labels kube-apiserver's request metrics give a request, from its method and target: the
 * reported verb (GET for one object, LIST for a collection, WATCH, APPLY for a server-side apply
 * patch, DELETECOLLECTION, CONNECT for exec), the group, version, resource and subresource, and
 * the scope (resource, namespace or cluster). Health checks are counted with their path as the
 * subresource and no scope, as kube-apiserver's health handlers count themselves; other
 * non-resource paths are not counted (undefined).
 */
import type { RequestAttributes } from '../metrics/index.js';
import { parseMetricsPath } from '../metrics/index.js';
import { parseApiPath, parseRequestTarget } from './paths.js';

const APPLY_PATCH = 'application/apply-patch+yaml';

/** The request's metric labels, or undefined for a path kube-apiserver does not count. */
export function requestMetricAttributes(method: string, url: string, contentType: string | undefined, upgrade = false): RequestAttributes | undefined {
  let target: ReturnType<typeof parseRequestTarget>;
  try {
    target = parseRequestTarget(url);
  } catch {
    return undefined;
  }
  const { query, segments, path } = target;
  const dryRun = query.getAll('dryRun').length > 0;
  let resource: { group: string; version: string; resource: string; subresource: string; namespace: string; name: string | undefined; legacyWatch: boolean } | undefined;
  try {
    const metrics = parseMetricsPath(segments);
    if (metrics?.type === 'resource') {
      resource = { group: 'metrics.k8s.io', version: 'v1beta1', resource: metrics.request.resource, subresource: '', namespace: metrics.request.namespace, name: metrics.request.name, legacyWatch: false };
    }
  } catch {
    return undefined;
  }
  if (!resource) {
    const route = parseApiPath(segments);
    if (route.type === 'resource') {
      resource = { group: route.info.group, version: route.info.version, resource: route.info.resource, subresource: route.subresource ?? '', namespace: route.namespace, name: route.name, legacyWatch: route.legacyWatch };
    }
  }
  if (!resource) {
    if (!/^\/(healthz|livez|readyz)(\/[\w-]+)?$/.test(path)) return undefined;
    return { verb: method.toUpperCase(), dryRun: false, group: '', version: '', resource: '', subresource: path, scope: '' };
  }
  const watch = resource.legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
  let verb = method.toUpperCase();
  if (upgrade) verb = 'CONNECT';
  else if (verb === 'HEAD') verb = 'GET';
  if (verb === 'GET') verb = watch ? 'WATCH' : resource.name === undefined ? 'LIST' : 'GET';
  else if (verb === 'PATCH' && contentType?.split(';')[0]?.trim() === APPLY_PATCH) verb = 'APPLY';
  else if (verb === 'DELETE' && resource.name === undefined) verb = 'DELETECOLLECTION';
  const scope = resource.name !== undefined ? 'resource' : resource.namespace !== '' ? 'namespace' : 'cluster';
  return { verb, dryRun, group: resource.group, version: resource.version, resource: resource.resource, subresource: resource.subresource, scope };
}
