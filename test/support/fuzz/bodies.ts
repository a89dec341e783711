/**
 * Request bodies for the fuzzer: valid objects, patches and options of the kinds hostpod serves,
 * then damaged the ways hostile clients damage them: odd and huge numbers, duplicate keys, deep
 * nesting, unknown and directive keys, invalid UTF-8, truncation, wrong shapes and sizes.
 */
import { fromJson, nest, subtrees, toText, type Doc } from './json-text.js';
import type { Random } from './random.js';

/** Names the fuzzer reuses, so that updates, patches and deletes meet objects it created. */
export const NAMES = ['fz-0', 'fz-1', 'fz-2', 'fz-3'];
export const NAMESPACES = ['default', 'fuzz'];

const NUMBERS = [
  '0', '-0', '1', '-1', '30', '1.0', '1e3', '3E1', '0.5', '-1e-400', '1e308', '-1e308', '1e400', '1.7976931348623157e308',
  '2147483647', '2147483648', '-2147483649', '4294967296', '9007199254740993', '9223372036854775807', '9223372036854775808',
  '-9223372036854775808', '-9223372036854775809', '123456789012345678901234567890', '1' + '0'.repeat(400),
];
const STRINGS = [
  '', 'x', 'Always', 'TCP', '..', '.', '%2e%2e', '/', 'a/b', '\u0000', '\ud800', '\uffff', 'é', '😀', '$patch', '{"a":1}',
  '9223372036854775807', 'NT AUTHORITY\\SYSTEM', 'x'.repeat(300), 'y'.repeat(70_000),
];
const KEYS = [
  'apiVersion', 'kind', 'metadata', 'spec', 'status', 'name', 'namespace', 'labels', 'annotations', 'data', 'containers', 'image',
  'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'hostProcess', 'windowsOptions', 'securityContext', 'finalizers',
  'resourceVersion', 'uid', 'managedFields', 'fieldsV1', 'ownerReferences', 'gracePeriodSeconds', 'preconditions', '$patch',
  '$retainKeys', '$setElementOrder/containers', '$deleteFromPrimitiveList/finalizers', '__proto__', 'constructor', '', 'a.b', 'é',
];

const pod = (random: Random, name: string): unknown => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'fuzz' }, ...(random.chance(0.2) ? { finalizers: ['example.com/keep'] } : {}) },
  spec: {
    ...(random.chance(0.5) ? { nodeName: 'fuzz-node' } : {}),
    terminationGracePeriodSeconds: 30, activeDeadlineSeconds: 600,
    securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\Local service' }, runAsUser: 1000 },
    hostNetwork: true, nodeSelector: { 'example.com/nowhere': 'true' },
    tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }],
    containers: [{
      name: 'main', image: 'localhost/hostprocess-base:latest', command: ['ping', '127.0.0.1'],
      ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { limits: { cpu: 1, memory: '64Mi' } },
      livenessProbe: { httpGet: { port: 80 }, periodSeconds: 10 }, env: [{ name: 'A', value: 'b' }],
    }],
    volumes: [{ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 3600 } }] } }],
  },
});

const TEMPLATES: Record<string, (random: Random, name: string) => unknown> = {
  pods: pod,
  configmaps: (_r, name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' }, binaryData: { b: 'AAEC' } }),
  secrets: (_r, name) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', data: { k: 'dmFsdWU=' }, stringData: { s: 'x' } }),
  namespaces: (_r, name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, spec: { finalizers: ['kubernetes'] } }),
  serviceaccounts: (_r, name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name }, automountServiceAccountToken: false }),
  events: (_r, name) => ({ apiVersion: 'v1', kind: 'Event', metadata: { name }, involvedObject: { kind: 'Pod', name: 'fz-0' }, reason: 'Fuzz', count: 1, type: 'Normal' }),
  nodes: (_r, name) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/os': 'linux' } }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }),
  leases: (_r, name) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: 'h', leaseDurationSeconds: 40, renewTime: '2024-01-01T00:00:00.000000Z' } }),
  daemonsets: (random, name) => ({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, minReadySeconds: 0, template: { metadata: { labels: { app: name } }, spec: { ...(pod(random, name) as { spec: object }).spec, activeDeadlineSeconds: undefined, nodeName: undefined } } },
  }),
  bindings: (_r, name) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: 'fuzz-node' } }),
};

/** A body for `method` on `resource` (with `subresource`), as JSON text or raw bytes. */
export function body(random: Random, method: string, resource: string, subresource: string | undefined, patchType: string): Buffer {
  const whole = random.weighted<() => Buffer | undefined>([
    [90, () => undefined],
    [2, () => Buffer.alloc(0)],
    [1, () => Buffer.from(random.pick(['null', '[]', '{}', '""', '0', 'true', ' ', '\ufeff{}', '{"a":1}{"b":2}']))],
    [1, () => Buffer.from(Array.from({ length: random.between(1, 64) }, () => random.int(256)))],
    // Oversized: past the 3 MiB limit (413), or just under it.
    [1, () => Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fz-big"},"data":{"k":"${'x'.repeat(random.chance(0.5) ? 3 * 1024 * 1024 : 3 * 1024 * 1024 - 200)}"}}`)],
    [2, () => Buffer.from(toText(nest(random.pick([1000, 1001, 5000, 9999, 10_000, 10_001, 20_000]), fromJson({}), random.chance(0.5))))],
  ])();
  if (whole) return whole;
  let doc = fromJson(document(random, method, resource, subresource, patchType));
  const damage = random.weighted([[40, 0], [35, 1], [15, 2], [10, 4]] as const);
  for (let i = 0; i < damage; i++) doc = mutate(random, doc);
  return corrupt(random, Buffer.from(toText(doc)));
}

function document(random: Random, method: string, resource: string, subresource: string | undefined, patchType: string): unknown {
  const name = random.pick(NAMES);
  if (method === 'DELETE') return { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: random.pick([0, 1, 30, -1]), propagationPolicy: random.pick(['Background', 'Foreground', 'Orphan', 'Sideways']), preconditions: random.chance(0.3) ? { uid: 'x' } : undefined };
  if (subresource === 'token') return { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['a'], expirationSeconds: random.pick([600, 3600, 2 ** 32]), boundObjectRef: random.chance(0.5) ? { kind: 'Pod', apiVersion: 'v1', name } : undefined } };
  if (subresource === 'binding') return TEMPLATES['bindings']!(random, name);
  const object = (TEMPLATES[resource] ?? TEMPLATES['configmaps']!)(random, name);
  if (method !== 'PATCH') return object;
  if (patchType === 'application/json-patch+json') {
    return Array.from({ length: random.between(1, 3) }, () => ({
      op: random.pick(['add', 'replace', 'remove', 'test', 'move', 'copy', 'bogus']),
      path: random.pick(['/metadata/labels/x', '/spec/terminationGracePeriodSeconds', '/data/k', '/metadata/name', '/spec/containers/0/image', '/spec/containers/-', '/a~1b', '/', '', 'metadata', '/spec/containers/99']),
      value: random.pick([1, 'x', { a: 1 }, null, [1]]),
      ...(random.chance(0.2) ? { from: '/metadata/labels' } : {}),
    }));
  }
  // A merge or strategic merge patch: part of the object, sometimes with directives.
  const partial = object as Record<string, unknown>;
  const keys = Object.keys(partial).filter((k) => k !== 'apiVersion' && k !== 'kind');
  const patch: Record<string, unknown> = {};
  for (const key of keys) if (random.chance(0.5)) patch[key] = partial[key];
  if (random.chance(0.2)) patch['$patch'] = random.pick(['replace', 'delete', 'merge', 'bogus']);
  if (random.chance(0.1)) patch['metadata'] = { name: random.pick([...NAMES, 'other']) };
  return patch;
}

/** One change to the tree: a value replaced, a key repeated, added or removed, nesting added. */
function mutate(random: Random, doc: Doc): Doc {
  const places = subtrees(doc);
  const place = random.pick(places);
  const replacement = random.weighted<() => Doc>([
    [40, () => ({ t: 'raw', text: random.pick(NUMBERS) })],
    [15, () => ({ t: 'str', value: random.pick(STRINGS) })],
    [8, () => ({ t: 'raw', text: random.pick(['true', 'false', 'null']) })],
    [8, () => random.chance(0.5) ? { t: 'obj', entries: [] } : { t: 'arr', items: [] }],
    [6, () => nest(random.pick([50, 999, 1000, 3000, 9000]), { t: 'raw', text: random.pick(NUMBERS) }, random.chance(0.5))],
    [5, () => ({ t: 'obj', entries: Array.from({ length: random.pick([10, 1000]) }, (_, i) => [`k${i}`, { t: 'raw', text: String(i) }] as [string, Doc]) })],
  ]);
  const action = random.int(5);
  const node = place.node;
  if (action === 1 && node.t === 'obj' && node.entries.length > 0) {
    // A duplicate key: the same key again, with another value, here or at the end.
    const [key] = random.pick(node.entries);
    node.entries.splice(random.chance(0.5) ? node.entries.length : random.int(node.entries.length + 1), 0, [key, replacement()]);
    return doc;
  }
  if (action === 2 && node.t === 'obj') {
    node.entries.push([random.pick(KEYS), replacement()]);
    return doc;
  }
  if (action === 3 && node.t === 'obj' && node.entries.length > 0) {
    node.entries.splice(random.int(node.entries.length), 1);
    return doc;
  }
  // Half the time a value keeps its JSON type (an odd number for a number, an odd string for a
  // string), so that the body still decodes and the odd value reaches defaults, validation and the store.
  const node2 = place.node;
  const sameType = random.chance(0.5) && (node2.t === 'str' || (node2.t === 'raw' && /^-?\d/.test(node2.text)));
  const fresh: Doc = !sameType ? replacement() : node2.t === 'str' ? { t: 'str', value: random.pick(STRINGS) } : { t: 'raw', text: random.pick(NUMBERS) };
  if (!place.parent) return fresh;
  if (place.parent.t === 'obj') place.parent.entries[place.index]![1] = fresh;
  if (place.parent.t === 'arr') place.parent.items[place.index] = fresh;
  return doc;
}

/** Damage to the bytes themselves: invalid UTF-8, truncation, a stray character, a BOM. */
function corrupt(random: Random, bytes: Buffer): Buffer {
  if (!random.chance(0.15)) return bytes;
  const at = random.int(bytes.length + 1);
  const kind = random.int(5);
  if (kind === 0) return Buffer.concat([bytes.subarray(0, at), Buffer.from(random.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x00], [0xc0, 0xaf]])), bytes.subarray(at)]);
  if (kind === 1) return bytes.subarray(0, at);
  if (kind === 2) return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
  if (kind === 3) return Buffer.concat([bytes, Buffer.from(random.pick([' ', '}', ']', ',', 'x', '\n{}']))]);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(random.pick(['"', '\\', '{', '[', ':', ',', '\\u12', '\t', '\n'])), bytes.subarray(at)]);
}
