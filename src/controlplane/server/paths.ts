/**
 * Kubernetes REST paths: `/api/v1/namespaces/NS/pods/NAME/status`, `/apis/apps/v1/daemonsets`.
 * Hand-written: the grammar (a namespaced resource's path vs. a namespace's own subresource) is
 * Kubernetes-specific, and a general router would not make it shorter.
 *
 * A request target is read as Go's net/http reads it for kube-apiserver: the path is
 * percent-decoded once and split on "/", and never normalised, so `..` (or `%2e%2e`) is a name
 * like any other, which the registry then refuses, rather than a step up to the parent object.
 */
import { findResource, type ResourceDefinition } from '../resources/index.js';
import { badRequest, pathNotFound } from '../api/status-error.js';

export type Route =
  | { type: 'resource'; info: ResourceDefinition; namespace: string; name?: string; subresource?: string; legacyWatch: boolean }
  | { type: 'group-version'; group: string; version: string }
  | { type: 'unknown-resource'; group: string; version: string; resource: string }
  | { type: 'other' };

/** A request target split as kube-apiserver sees it. */
export interface RequestTarget {
  /** The decoded path without trailing slashes, for matching `/version`, `/healthz` and the like. */
  path: string;
  /** The decoded path segments; an empty path has none. */
  segments: string[];
  query: URLSearchParams;
}

/**
 * Splits a raw request target (`request.url`) into its decoded path segments and its query.
 * @throws StatusError 400 for a malformed %-escape (Go's "invalid URL escape"), 404 for a path
 *   with an empty segment (`/api/v1//namespaces`), which names no resource
 */
export function parseRequestTarget(target: string): RequestTarget {
  const question = target.indexOf('?');
  let rawPath = question < 0 ? target : target.slice(0, question);
  const query = new URLSearchParams(question < 0 ? '' : target.slice(question + 1));
  // The absolute form (`GET https://host/api HTTP/1.1`) names the same path.
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.exec(rawPath);
  if (absolute) {
    // Its authority must be a host, as Go's url.ParseRequestURI requires.
    if (!URL.canParse(absolute[0])) throw badRequest(`invalid request URI ${JSON.stringify(target)}`);
    rawPath = rawPath.slice(absolute[0].length) || '/';
  }
  if (!rawPath.startsWith('/')) throw badRequest(`invalid request URI ${JSON.stringify(rawPath)}`);
  const path = percentDecode(rawPath).replace(/\/+$/, '');
  const segments = path === '' ? [] : path.slice(1).split('/');
  if (segments.includes('')) throw pathNotFound();
  return { path: path || '/', segments, query };
}

/** Go's url.PathUnescape: %XX escapes become bytes, read as UTF-8 (invalid bytes become U+FFFD). */
function percentDecode(raw: string): string {
  if (!raw.includes('%')) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw badRequest(`invalid URL escape ${JSON.stringify(raw.slice(i, i + 3))}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(raw[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Refuses a name from the path that could not be an object's key, as the registry's key
 * functions do (path.IsValidPathSegmentName).
 * @throws StatusError 400 `Name parameter invalid: "..": may not be '..'`
 */
export function checkPathName(name: string): void {
  let problems: string[];
  if (name === '.' || name === '..') problems = [`may not be '${name}'`];
  else problems = ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
  if (problems.length > 0) throw badRequest(`Name parameter invalid: ${JSON.stringify(name)}: ${problems.join(';')}`);
}

/** Resolves an API path from its segments; `other` for anything not under /api or /apis/GROUP/VERSION. */
export function parseApiPath(parts: readonly string[]): Route {
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

function resourceRoute(info: ResourceDefinition, namespace: string, rest: string[], legacyWatch: boolean): Route {
  if (rest.length > 2) return { type: 'unknown-resource', group: info.group, version: info.version, resource: info.resource };
  return {
    type: 'resource', info, namespace, legacyWatch,
    ...(rest[0] === undefined ? {} : { name: rest[0] }),
    ...(rest[1] === undefined ? {} : { subresource: rest[1] }),
  };
}
