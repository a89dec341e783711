/**
 * Kubernetes REST paths: `/api/v1/namespaces/NS/pods/NAME/status`, `/apis/apps/v1/daemonsets`.
 * Hand-written: the grammar (a namespaced resource's path vs. a namespace's own subresource) is
 * Kubernetes-specific, and a general router would not make it shorter.
 */
import { findResource, type ResourceInfo } from '../api/resources.js';

export type Route =
  | { type: 'resource'; info: ResourceInfo; namespace: string; name?: string; subresource?: string; legacyWatch: boolean }
  | { type: 'group-version'; group: string; version: string }
  | { type: 'unknown-resource'; group: string; version: string; resource: string }
  | { type: 'other' };

/** Resolves an API path; `other` for anything not under /api or /apis/GROUP/VERSION. */
export function parseApiPath(pathname: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    rest = parts.slice(1);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    rest = parts.slice(2);
  } else {
    return { type: 'other' };
  }
  const version = rest[0]!;
  let segments = rest.slice(1);
  if (segments.length === 0) return { type: 'group-version', group, version };
  // The deprecated /watch/ prefix: `/api/v1/watch/namespaces/NS/pods`.
  const legacyWatch = segments[0] === 'watch';
  if (legacyWatch) segments = segments.slice(1);

  if (segments[0] === 'namespaces' && segments.length >= 3) {
    const namespaced = findResource(group, version, segments[2]!);
    if (namespaced?.namespaced) {
      return resourceRoute(namespaced, segments[1]!, segments.slice(3), legacyWatch);
    }
    if (!namespaced && !isNamespaceSubresource(segments[2]!)) return { type: 'unknown-resource', group, version, resource: segments[2]! };
  }
  const info = findResource(group, version, segments[0]!);
  if (!info) return { type: 'unknown-resource', group, version, resource: segments[0]! };
  return resourceRoute(info, '', segments.slice(1), legacyWatch);
}

function isNamespaceSubresource(segment: string): boolean {
  return segment === 'status' || segment === 'finalize';
}

function resourceRoute(info: ResourceInfo, namespace: string, rest: string[], legacyWatch: boolean): Route {
  if (rest.length > 2) return { type: 'unknown-resource', group: info.group, version: info.version, resource: info.resource };
  return {
    type: 'resource', info, namespace, legacyWatch,
    ...(rest[0] === undefined ? {} : { name: rest[0] }),
    ...(rest[1] === undefined ? {} : { subresource: rest[1] }),
  };
}
