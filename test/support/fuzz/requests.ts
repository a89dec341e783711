/**
 * Whole requests for the fuzzer: a method, a request target (paths with dot segments, odd
 * percent-encoding, doubled slashes; hostile query strings), headers (content types, Accept,
 * credentials) and a body from bodies.ts. Each request is made from its own seeded generator,
 * so a failure is reproduced from the seed and its index alone.
 */
import { body, NAMES, NAMESPACES } from './bodies.js';
import { Random } from './random.js';

export interface FuzzRequest {
  index: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The server streams the answer (a watch): read the status, then hang up. */
  streams: boolean;
  /** Node's HTTP parser refuses it before the API server sees it (its plain 400, not a Status). */
  beforeServer: boolean;
  /** Send the body chunked, without a Content-Length. */
  chunked: boolean;
}

const RESOURCES: [group: string, resource: string, namespaced: boolean, subresources: string[]][] = [
  ['', 'pods', true, ['status', 'binding', 'log', 'exec', 'eviction', 'ephemeralcontainers']],
  ['', 'configmaps', true, []],
  ['', 'secrets', true, []],
  ['', 'serviceaccounts', true, ['token']],
  ['', 'events', true, []],
  ['', 'bindings', true, []],
  ['', 'namespaces', false, ['status', 'finalize']],
  ['', 'nodes', false, ['status', 'proxy']],
  ['apps', 'daemonsets', true, ['status', 'scale']],
  ['coordination.k8s.io', 'leases', true, []],
  ['', 'widgets', true, []],
];
const NON_RESOURCE = ['/', '/version', '/healthz', '/healthz/ping', '/livez', '/readyz', '/readyz/etcd', '/api', '/apis', '/apis/apps', '/apis/apps/v1',
  '/api/v1', '/apis/nothing.example.com/v1', '/openapi/v2', '/openapi/v3', '/openapi/v3/api/v1', '/openapi/v3/apis/apps/v1', '/metrics', '/logs', '/.well-known/openid-configuration'];
const ODD_NAMES = ['', '.', '..', '%2e', '%2e%2e', '%2E%2e', '..%2f..', 'a%2fb', '%2f', '%00', '%ff', '%zz', '%', '%2', 'a%20b', 'A', 'x'.repeat(300), '%C3%A9', '~', 'fz-0%2F..'];
const METHODS: (readonly [number, string])[] = [
  [25, 'GET'], [20, 'POST'], [12, 'PUT'], [18, 'PATCH'], [12, 'DELETE'], [3, 'HEAD'],
  [1, 'OPTIONS'], [1, 'TRACE'], [1, 'PROPFIND'], [1, 'MKCOL'], [1, 'COPY'], [1, 'PURGE'], [1, 'QUERY'], [1, 'SEARCH'], [1, 'REPORT'],
  [1, 'FROB'],
];
/** Methods Node's HTTP parser knows; any other is refused before the server sees it. */
const PARSED_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'MKCOL', 'COPY', 'PURGE', 'QUERY', 'SEARCH', 'REPORT']);
const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'text/plain',
  'application/apply-patch+yaml', 'application/apply-patch+cbor', 'application/cbor', 'multipart/form-data; boundary=x', '', '*/*', 'application/json;;;',
  'APPLICATION/JSON', 'application/merge-patch+json; charset=latin1', 'x'.repeat(2000)];
const ACCEPTS = ['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
  'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', 'application/vnd.kubernetes.protobuf', 'application/yaml', 'text/html',
  '*/*', '', ';;;', 'application/json;as=Table', 'x/y;q=0', 'a'.repeat(8000)];
const QUERY: [string, string[]][] = [
  ['watch', ['true', '1', 'false', 'yes']], ['resourceVersion', ['0', '1', '', '-1', 'abc', '99999999999999999999']],
  ['labelSelector', ['a=b', 'a in (b,c)', '!a', 'a==', '((', 'a=' + 'b'.repeat(70), '%zz']], ['fieldSelector', ['metadata.name=fz-0', 'spec.nodeName=x', 'data.k=v', '=', 'metadata.name!=']],
  ['limit', ['1', '0', '-1', '500', 'abc', '9223372036854775808', '1e3']], ['continue', ['abc', 'eyJ2IjoiaG9zdHBvZC8xIn0', '%%%']],
  ['gracePeriodSeconds', ['0', '30', '-1', '9223372036854775807', '9223372036854775808', '1.5', 'x']], ['propagationPolicy', ['Orphan', 'Foreground', 'Background', 'Nope']],
  ['orphanDependents', ['true', 'false', 'x']], ['dryRun', ['All', 'None', '']], ['fieldValidation', ['Strict', 'Warn', 'Ignore', 'strict', '']],
  ['timeoutSeconds', ['0', '1', '-1', 'x', '9223372036854775807']], ['allowWatchBookmarks', ['true']], ['includeObject', ['None', 'Metadata', 'Object', 'All']],
  ['container', ['main', 'nope', '']], ['command', ['sh', '']], ['stdout', ['true']], ['tty', ['true', 'x']], ['follow', ['true']], ['tailLines', ['-1', '10', 'x']], ['sinceSeconds', ['1', '-1', '9223372036854775807']],
  ['pretty', ['true']], ['access_token', ['not-a-real-token']], ['fieldManager', ['kubectl', 'x'.repeat(200)]],
];

/** Request `index` of the run seeded with `seed`. */
export function fuzzRequest(seed: number, index: number, adminToken: string): FuzzRequest {
  const random = Random.forRequest(seed, index);
  const method = random.weighted(METHODS);
  const { path, resource, subresource, streams: watchPath } = target(random, method);
  const query = queryString(random);
  const patchType = random.pick(PATCH_TYPES);
  const headers: Record<string, string> = {};
  const credential = random.weighted<string | undefined>([
    [97, `Bearer ${adminToken}`], [1, undefined], [1, 'Bearer '], [1, 'Bearer not-a-token'], [1, `Basic ${Buffer.from('admin:admin').toString('base64')}`], [1, `Bearer ${'a'.repeat(4000)}`],
  ]);
  if (credential !== undefined) headers['Authorization'] = credential;
  let requestBody: Buffer | undefined;
  if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) || random.chance(0.03)) {
    requestBody = body(random, method, resource, subresource, patchType);
    headers['Content-Type'] = random.chance(0.85) ? (method === 'PATCH' ? patchType : 'application/json') : random.pick(CONTENT_TYPES);
  }
  if (random.chance(0.12)) headers['Accept'] = random.pick(ACCEPTS);
  if (random.chance(0.05)) headers['Content-Encoding'] = random.pick(['gzip', 'identity', 'br']);
  if (random.chance(0.05)) headers['X-Remote-User'] = 'system:admin';
  if (random.chance(0.05)) headers['Impersonate-User'] = 'system:node:other';
  if (random.chance(0.03)) {
    // An exec upgrade (WebSocket or SPDY), on a path that may or may not be pods/exec.
    Object.assign(headers, { Connection: 'Upgrade', Upgrade: random.pick(['websocket', 'SPDY/3.1', 'h2c', 'x']), 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' });
  }
  const fullPath = `${path}${query}`;
  const streams = method === 'GET' && (watchPath || /[?&]watch=(true|1)(&|$)/.test(query) || /[?&]follow=true/.test(query));
  return {
    index, method, path: fullPath, headers, ...(requestBody === undefined ? {} : { body: requestBody }), streams,
    // Node's client chunks the bodies of POST, PUT and PATCH only; other methods' bodies would be sent unframed.
    beforeServer: !PARSED_METHODS.has(method), chunked: requestBody !== undefined && ['POST', 'PUT', 'PATCH'].includes(method) && random.chance(0.05),
  };
}

function target(random: Random, method: string): { path: string; resource: string; subresource?: string; streams: boolean } {
  if (random.chance(0.08)) return { path: damagePath(random, random.pick(NON_RESOURCE)), resource: '', streams: false };
  const [group, resource, namespaced, subresources] = random.pick(RESOURCES);
  const prefix = group === '' ? '/api/v1' : `/apis/${group}/v1`;
  const legacyWatch = random.chance(0.03);
  const namespace = random.chance(0.9) ? random.pick(NAMESPACES) : random.pick(['kube-system', 'absent', ...ODD_NAMES]);
  const base = `${prefix}${legacyWatch ? '/watch' : ''}${namespaced && random.chance(0.9) ? `/namespaces/${namespace}` : ''}/${resource}`;
  // Collections for POST and list-like GETs; a named object otherwise, now and then an odd name.
  const collection = method === 'POST' ? random.chance(0.9) : random.chance(0.25);
  // Namespaces are deleted only among the fuzzer's own, so the ones it works in stay.
  const names = resource === 'namespaces' && method === 'DELETE' ? NAMES : [...NAMES, ...NAMESPACES];
  const name = random.chance(0.85) ? random.pick(names) : random.pick(ODD_NAMES);
  const subresource = !collection && subresources.length > 0 && random.chance(0.25) ? random.pick([...subresources, 'nope']) : undefined;
  let path = collection ? base : `${base}/${name}${subresource ? `/${subresource}` : ''}`;
  if (random.chance(0.1)) path = damagePath(random, path);
  return { path, resource, ...(subresource === undefined ? {} : { subresource }), streams: legacyWatch };
}

/** Dot segments, doubled slashes, percent-encoded characters and trailing slashes. */
function damagePath(random: Random, path: string): string {
  const segments = path.split('/');
  const at = random.between(1, Math.max(1, segments.length - 1));
  switch (random.int(6)) {
    case 0:
      segments.splice(at, 0, random.pick(['.', '..', '%2e', '%2e%2e', '%2E%2E', '.%2e']));
      return segments.join('/');
    case 1:
      segments.splice(at, 0, '');
      return segments.join('/');
    case 2:
      return `${path}${random.pick(['/', '//', '/.', '/..', '/%2e%2e', '%2f', '%2f..', '/%00'])}`;
    case 3: {
      // One character percent-encoded, as a client may legitimately do.
      const i = random.between(1, path.length - 1);
      return `${path.slice(0, i)}%${path.charCodeAt(i).toString(16).padStart(2, '0')}${path.slice(i + 1)}`;
    }
    case 4:
      return `/${path.slice(1).replace(/\//g, () => (random.chance(0.2) ? '%2F' : '/'))}`;
    default:
      return path.toUpperCase();
  }
}

function queryString(random: Random): string {
  if (random.chance(0.5)) return '';
  const parts: string[] = [];
  const count = random.between(1, 4);
  for (let i = 0; i < count; i++) {
    const [key, values] = random.pick(QUERY);
    parts.push(`${key}=${encodeURIComponent(random.pick(values))}`);
  }
  if (random.chance(0.05)) parts.push(random.pick(['%zz=1', '=', '&&', 'a=%', 'x'.repeat(2000) + '=1']));
  return `?${parts.join('&')}`;
}
