import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  admitDefaultTolerations, admitNodeTaints, admitPodCreate, admitPodPriority, admitPodUpdate, admitServiceAccount,
} from '../../src/controlplane/admission/index.js';
import { applyDefaults } from '../../src/controlplane/api/apply-defaults.js';
import { formatTimestamp, generateNameSuffix } from '../../src/controlplane/api/names.js';
import { prepareForCreate } from '../../src/controlplane/api/prepare-create.js';
import { nextGeneration, prepareForUpdate, resetFieldsForStatusUpdate } from '../../src/controlplane/api/prepare-update.js';
import { canonicalQuantity, defaultImagePullPolicy, podQOSClass, roundedQuantity } from '../../src/api/defaults/index.js';
import { resourceRegistry, type ResourceDefinition } from '../../src/controlplane/resources/index.js';

type Obj = Record<string, unknown>;

/** The served resource of a kind, by its key ('v1/Pod'). */
function kind(key: string): ResourceDefinition {
  const definition = resourceRegistry.forKind(key);
  assert.ok(definition, `no resource serves ${key}`);
  return definition;
}

const NOW = new Date('2025-03-04T05:06:07.890Z');
const UID = '0b6c8d1e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';
const SA_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const DEFAULT_SA = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } };
const DIGEST = `sha256:${'a'.repeat(64)}`;

function pod(spec: Obj, metadata: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...metadata }, spec };
}

function specOf(object: Obj): Obj {
  return object['spec'] as Obj;
}

function metaOf(object: Obj): Obj {
  return object['metadata'] as Obj;
}

function containerOf(object: Obj, index = 0): Obj {
  return (specOf(object)['containers'] as Obj[])[index]!;
}

function admitted(result: ReturnType<typeof admitPodCreate>): Obj {
  if (!result.allowed) assert.fail(result.message);
  return result.object;
}

function daemonSet(templateSpec: Obj, spec: Obj = {}): Obj {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: templateSpec }, ...spec },
  };
}

test('pod created like `kubectl run x --image=busybox` is stored as kube-apiserver stores it', () => {
  // The body kubectl run sends.
  const body = {
    kind: 'Pod', apiVersion: 'v1',
    metadata: { name: 'x', namespace: 'default', creationTimestamp: null, labels: { run: 'x' } },
    spec: { containers: [{ name: 'x', image: 'busybox', resources: {} }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' },
    status: {},
  };
  const mutated = admitted(admitPodCreate(applyDefaults(kind('v1/Pod'), body), { serviceAccount: DEFAULT_SA, volumeSuffix: 'x7k2q' }));
  const stored = prepareForCreate(kind('v1/Pod'), mutated, NOW, { uid: UID });
  assert.deepEqual(stored, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { creationTimestamp: '2025-03-04T05:06:07Z', generation: 1, labels: { run: 'x' }, name: 'x', namespace: 'default', uid: UID },
    spec: {
      containers: [{
        image: 'busybox',
        imagePullPolicy: 'Always',
        name: 'x',
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        volumeMounts: [{ mountPath: SA_PATH, name: 'kube-api-access-x7k2q', readOnly: true }],
      }],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
      volumes: [{
        name: 'kube-api-access-x7k2q',
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
            { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
          ],
        },
      }],
    },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  });
});

test('applyDefaults leaves its input unchanged and is idempotent', () => {
  const input = pod({ containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1' } } }] });
  const snapshot = structuredClone(input);
  const once = applyDefaults(kind('v1/Pod'), input);
  assert.deepEqual(input, snapshot);
  assert.deepEqual(applyDefaults(kind('v1/Pod'), once), once);
});

test('applyDefaults fills apiVersion and kind from the definition and only copies a kind without defaults', () => {
  assert.deepEqual(applyDefaults(kind('v1/ConfigMap'), { metadata: { name: 'c' }, data: { a: 'b' } }), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
  const unknown = { apiVersion: 'example.com/v1', kind: 'Widget', spec: { size: 0 } };
  assert.deepEqual(applyDefaults({ group: 'example.com', version: 'v1', kind: 'Widget' }, unknown), unknown);
  assert.equal(resourceRegistry.forKind('coordination.k8s.io/v1/Lease')?.resource, 'leases');
  assert.equal(resourceRegistry.forKind('example.com/v1/Widget'), undefined);
});

const PULL_POLICIES: Array<[string, string]> = [
  ['busybox', 'Always'],
  ['busybox:latest', 'Always'],
  ['library/busybox', 'Always'],
  ['docker.io/library/busybox:latest', 'Always'],
  ['busybox:1.36', 'IfNotPresent'],
  ['busybox:Latest', 'IfNotPresent'],
  ['registry.example.com:5000/team/app', 'Always'],
  ['registry.example.com:5000/team/app:v2', 'IfNotPresent'],
  ['localhost/app', 'Always'],
  ['[::1]:5000/app:latest', 'Always'],
  [`busybox@${DIGEST}`, 'IfNotPresent'],
  [`busybox:latest@${DIGEST}`, 'Always'],
  [`busybox:1.36@${DIGEST}`, 'IfNotPresent'],
  ['busybox@sha256:abc', 'IfNotPresent'],
  ['BusyBox', 'IfNotPresent'],
  ['', 'IfNotPresent'],
  ['a'.repeat(64), 'IfNotPresent'],
];
for (const [image, policy] of PULL_POLICIES) {
  test(`imagePullPolicy of ${JSON.stringify(image)} defaults to ${policy}`, () => {
    assert.equal(defaultImagePullPolicy(image), policy);
    const defaulted = applyDefaults(kind('v1/Pod'), pod({ containers: [{ name: 'c', image }], initContainers: [{ name: 'i', image }] }));
    assert.equal(containerOf(defaulted)['imagePullPolicy'], policy);
    assert.equal((specOf(defaulted)['initContainers'] as Obj[])[0]!['imagePullPolicy'], policy);
  });
}

test('imagePullPolicy given explicitly is kept', () => {
  const defaulted = applyDefaults(kind('v1/Pod'), pod({ containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'Never' }] }));
  assert.equal(containerOf(defaulted)['imagePullPolicy'], 'Never');
});

test('container probes, hooks, ports and env get their defaults', () => {
  const defaulted = applyDefaults(kind('v1/Pod'), pod({
    hostNetwork: true,
    containers: [{
      name: 'c', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: 'UDP', hostPort: 5353 }],
      env: [
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1000000' } } },
      ],
      livenessProbe: { httpGet: { port: 8080 } },
      readinessProbe: { grpc: { port: 9090 }, periodSeconds: 5 },
      startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
      lifecycle: { preStop: { httpGet: { port: 8080, path: '/stop' } }, postStart: { exec: { command: ['true'] } } },
    }],
  }));
  assert.deepEqual(containerOf(defaulted), {
    name: 'c', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent',
    ports: [{ containerPort: 8080, hostPort: 8080, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP', hostPort: 5353 }],
    env: [
      { name: 'NODE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1M' } } },
    ],
    livenessProbe: { httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
    readinessProbe: { grpc: { port: 9090, service: '' }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 },
    startupProbe: { exec: { command: ['true'] }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 30 },
    lifecycle: { preStop: { httpGet: { port: 8080, path: '/stop', scheme: 'HTTP' } }, postStart: { exec: { command: ['true'] } } },
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  });
});

test('pod requests default to limits, but a DaemonSet template keeps them unset', () => {
  const resources = { limits: { cpu: '0.5', memory: '128Mi' }, requests: { cpu: '100m' } };
  const defaultedPod = applyDefaults(kind('v1/Pod'), pod({ containers: [{ name: 'c', image: 'nginx', resources }] }));
  assert.deepEqual(containerOf(defaultedPod)['resources'], { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
  const defaultedSet = applyDefaults(kind('apps/v1/DaemonSet'), daemonSet({ containers: [{ name: 'c', image: 'nginx', resources }] }));
  const template = (specOf(defaultedSet)['template'] as Obj)['spec'] as Obj;
  assert.deepEqual((template['containers'] as Obj[])[0]!['resources'], { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } });
  assert.equal(template['enableServiceLinks'], undefined);
});

const QUANTITIES: Array<[unknown, string, string]> = [
  ['0.5', '500m', '500m'],
  ['1024Mi', '1Gi', '1Gi'],
  [2, '2', '2'],
  ['1000m', '1', '1'],
  ['100u', '100u', '1m'],
  ['1.0001m', '1000100n', '2m'],
  ['1e-4', '100e-6', '1e-3'],
  ['1536', '1536', '1536'],
];
for (const [input, canonical, rounded] of QUANTITIES) {
  test(`quantity ${JSON.stringify(input)} is stored as ${canonical}, or ${rounded} in a resource list`, () => {
    assert.equal(canonicalQuantity(input), canonical);
    assert.equal(roundedQuantity(input), rounded);
  });
}

test('quantity that does not parse is left for validation', () => {
  assert.equal(roundedQuantity('1Gb'), '1Gb');
  const defaulted = applyDefaults(kind('v1/Pod'), pod({ containers: [{ name: 'c', image: 'i', resources: { limits: { memory: '1Gb' } } }] }));
  assert.deepEqual(containerOf(defaulted)['resources'], { limits: { memory: '1Gb' }, requests: { memory: '1Gb' } });
});

const VOLUMES: Array<[string, Obj, Obj]> = [
  ['a volume without a source', { name: 'v' }, { name: 'v', emptyDir: {} }],
  ['emptyDir sizeLimit', { name: 'v', emptyDir: { sizeLimit: '1024Mi' } }, { name: 'v', emptyDir: { sizeLimit: '1Gi' } }],
  ['hostPath', { name: 'v', hostPath: { path: '/var/log' } }, { name: 'v', hostPath: { path: '/var/log', type: '' } }],
  ['secret', { name: 'v', secret: { secretName: 's' } }, { name: 'v', secret: { secretName: 's', defaultMode: 420 } }],
  ['configMap with a mode', { name: 'v', configMap: { name: 'c', defaultMode: 256 } }, { name: 'v', configMap: { name: 'c', defaultMode: 256 } }],
  ['downwardAPI', { name: 'v', downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } },
    { name: 'v', downwardAPI: { defaultMode: 420, items: [{ path: 'n', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } }],
  ['projected token', { name: 'v', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } },
    { name: 'v', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 3600 } }] } }],
  ['image', { name: 'v', image: { reference: 'quay.io/tools:latest' } }, { name: 'v', image: { reference: 'quay.io/tools:latest', pullPolicy: 'Always' } }],
  ['rbd', { name: 'v', rbd: { monitors: ['m'], image: 'i' } },
    { name: 'v', rbd: { monitors: ['m'], image: 'i', pool: 'rbd', user: 'admin', keyring: '/etc/ceph/keyring' } }],
];
for (const [what, volume, expected] of VOLUMES) {
  test(`volume defaults of ${what}`, () => {
    const defaulted = applyDefaults(kind('v1/Pod'), pod({ containers: [{ name: 'c', image: 'i' }], volumes: [volume] }));
    assert.deepEqual((specOf(defaulted)['volumes'] as Obj[])[0], expected);
  });
}

const QOS: Array<[string, Obj, string]> = [
  ['no resources', { containers: [{ name: 'a', image: 'i' }] }, 'BestEffort'],
  ['only zero requests', { containers: [{ name: 'a', image: 'i', resources: { requests: { cpu: '0' } } }] }, 'BestEffort'],
  ['requests only', { containers: [{ name: 'a', image: 'i', resources: { requests: { cpu: '100m' } } }] }, 'Burstable'],
  ['cpu and memory limits (requests default to them)', { containers: [{ name: 'a', image: 'i', resources: { limits: { cpu: '1', memory: '1Gi' } } }] }, 'Guaranteed'],
  ['equal requests and limits written differently', {
    containers: [{ name: 'a', image: 'i', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } } }],
  }, 'Guaranteed'],
  ['a memory limit missing', { containers: [{ name: 'a', image: 'i', resources: { limits: { cpu: '1' } } }] }, 'Burstable'],
  ['an init container without limits', {
    containers: [{ name: 'a', image: 'i', resources: { limits: { cpu: '1', memory: '1Gi' } } }],
    initContainers: [{ name: 'b', image: 'i', resources: { requests: { cpu: '1' } } }],
  }, 'Burstable'],
  ['only extended resources', { containers: [{ name: 'a', image: 'i', resources: { limits: { 'example.com/gpu': '1' } } }] }, 'BestEffort'],
  ['pod-level limits (pod requests default to them)', {
    resources: { limits: { cpu: '2', memory: '2Gi' } },
    containers: [{ name: 'a', image: 'i' }],
  }, 'Guaranteed'],
  ['pod-level limits above container requests', {
    resources: { limits: { cpu: '2', memory: '2Gi' } },
    containers: [{ name: 'a', image: 'i', resources: { requests: { cpu: '500m' } } }],
  }, 'Burstable'],
];
for (const [what, spec, qosClass] of QOS) {
  test(`podQOSClass with ${what} is ${qosClass}`, () => {
    const created = prepareForCreate(kind('v1/Pod'), pod(spec), NOW);
    assert.equal((created['status'] as Obj)['qosClass'], qosClass);
    assert.equal(podQOSClass(specOf(created)), qosClass);
  });
}

test('pod-level requests default from container requests and pod-level limits', () => {
  const defaulted = applyDefaults(kind('v1/Pod'), pod({
    resources: { limits: { cpu: '2', memory: '2Gi' } },
    initContainers: [
      { name: 'sidecar', image: 'i', restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } },
      { name: 'setup', image: 'i', resources: { requests: { cpu: '1500m' } } },
    ],
    containers: [{ name: 'a', image: 'i', resources: { requests: { cpu: '300m' } } }],
  }));
  // max(300m + 200m sidecar, 1500m setup + 200m sidecar started before it) = 1700m.
  assert.deepEqual(specOf(defaulted)['resources'], { limits: { cpu: '2', memory: '2Gi' }, requests: { cpu: '1700m', memory: '2Gi' } });
});

test('generateNameSuffix draws five characters from the API server alphabet', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const suffix = generateNameSuffix();
    assert.match(suffix, /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    seen.add(suffix);
  }
  assert.ok(seen.size > 190);
});

test('formatTimestamp writes the second of each date, in a burst of one second and across seconds', () => {
  const at = (text: string): string => formatTimestamp(new Date(text));
  assert.equal(at('2026-12-07T10:00:00.100Z'), '2026-12-07T10:00:00Z');
  assert.equal(at('2026-12-07T10:00:00.900Z'), '2026-12-07T10:00:00Z');
  assert.equal(at('2026-12-07T10:00:01.000Z'), '2026-12-07T10:00:01Z');
  assert.equal(at('2026-12-07T10:00:00.999Z'), '2026-12-07T10:00:00Z', 'an earlier second after a later one');
  assert.equal(at('2027-12-07T10:00:00.999Z'), '2027-12-07T10:00:00Z', 'the same second of another day');
  assert.equal(at('1969-12-31T23:59:59.500Z'), '1969-12-31T23:59:59Z');
  assert.equal(at('1969-12-31T23:59:59.000Z'), '1969-12-31T23:59:59Z');
  assert.equal(at('1970-01-01T00:00:00.000Z'), '1970-01-01T00:00:00Z');
  assert.throws(() => formatTimestamp(new Date(Number.NaN)), RangeError);
});

test('prepareForCreate sets system metadata and clears what requests may not set', () => {
  const created = prepareForCreate(kind('v1/ConfigMap'), {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: {
      generateName: 'settings-', namespace: 'default', uid: 'client-uid', creationTimestamp: '2000-01-01T00:00:00Z',
      resourceVersion: '42', selfLink: '/api/v1/x', deletionTimestamp: '2000-01-01T00:00:00Z', deletionGracePeriodSeconds: 30,
    },
  }, NOW);
  const metadata = metaOf(created);
  assert.match(String(metadata['name']), /^settings-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.match(String(metadata['uid']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual({ ...metadata, name: undefined, uid: undefined }, {
    name: undefined, uid: undefined, generateName: 'settings-', namespace: 'default', creationTimestamp: '2025-03-04T05:06:07Z',
  });
});

test('prepareForCreate cuts a long generateName to leave room for the suffix', () => {
  const created = prepareForCreate(kind('v1/Secret'), { metadata: { generateName: 'g'.repeat(70) } }, NOW, { nameSuffix: 'bcdfg' });
  assert.equal(metaOf(created)['name'], `${'g'.repeat(58)}bcdfg`);
});

test('prepareForCreate keeps a given name and drops the namespace of cluster-scoped kinds', () => {
  const created = prepareForCreate(kind('v1/Node'), { metadata: { name: 'n1', generateName: 'x-', namespace: 'default' } }, NOW, { uid: UID });
  assert.equal(metaOf(created)['name'], 'n1');
  assert.equal(metaOf(created)['namespace'], undefined);
  assert.equal(metaOf(created)['generation'], undefined);
});

test('pod prepareForCreate replaces the status and marks scheduling-gated pods', () => {
  const created = prepareForCreate(kind('v1/Pod'), {
    ...pod({ containers: [{ name: 'c', image: 'i' }], schedulingGates: [{ name: 'wait' }] }),
    status: { phase: 'Running', podIP: '10.0.0.1' },
  }, NOW);
  assert.deepEqual(created['status'], {
    phase: 'Pending',
    qosClass: 'BestEffort',
    conditions: [{
      type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: '2025-03-04T05:06:07Z',
      reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates',
    }],
  });
});

test('pod prepareForCreate merges matchLabelKeys (the AppArmor annotations are synced after admission: pod-create.test.ts)', () => {
  const created = prepareForCreate(kind('v1/Pod'), pod({
    containers: [{ name: 'c', image: 'i' }],
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'a' } }, matchLabelKeys: ['rev'] }],
  }, { labels: { app: 'a', rev: 'r1' } }), NOW);
  const constraint = (specOf(created)['topologySpreadConstraints'] as Obj[])[0]!;
  assert.deepEqual(constraint['labelSelector'], { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'rev', operator: 'In', values: ['r1'] }] });
});

test('pod serviceAccount mirrors serviceAccountName, and status IPs mirror their lists', () => {
  const defaulted = applyDefaults(kind('v1/Pod'), {
    ...pod({ serviceAccount: 'legacy', containers: [{ name: 'c', image: 'i' }] }),
    status: { podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.9' }], hostIPs: [{ ip: '192.168.1.2' }] },
  });
  assert.equal(specOf(defaulted)['serviceAccountName'], 'legacy');
  assert.equal(specOf(defaulted)['serviceAccount'], 'legacy');
  assert.deepEqual(defaulted['status'], { podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }], hostIP: '192.168.1.2', hostIPs: [{ ip: '192.168.1.2' }] });
});

test('DaemonSet defaults fill the update strategy, history limit, template and status counters', () => {
  const defaulted = applyDefaults(kind('apps/v1/DaemonSet'), daemonSet({ containers: [{ name: 'c', image: 'agent:1.0' }] }));
  assert.deepEqual(defaulted, {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: {
          containers: [{
            name: 'c', image: 'agent:1.0', imagePullPolicy: 'IfNotPresent', resources: {},
            terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
          }],
          dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
    status: { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 },
  });
});

test('DaemonSet OnDelete strategy gets no rollingUpdate and explicit values are kept', () => {
  const onDelete = applyDefaults(kind('apps/v1/DaemonSet'), daemonSet({ containers: [] }, { updateStrategy: { type: 'OnDelete' }, revisionHistoryLimit: 0 }));
  assert.deepEqual(specOf(onDelete)['updateStrategy'], { type: 'OnDelete' });
  assert.equal(specOf(onDelete)['revisionHistoryLimit'], 0);
  const percent = applyDefaults(kind('apps/v1/DaemonSet'), daemonSet({ containers: [] }, { updateStrategy: { rollingUpdate: { maxUnavailable: '10%' } } }));
  assert.deepEqual(specOf(percent)['updateStrategy'], { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } });
});

test('DaemonSet prepareForCreate sets generation 1, template generation 1 and an empty status', () => {
  const created = prepareForCreate(kind('apps/v1/DaemonSet'), { ...daemonSet({ containers: [{ name: 'c', image: 'i' }] }), status: { numberReady: 3 } }, NOW, { uid: UID });
  assert.deepEqual(metaOf(created), {
    name: 'agent', namespace: 'default', uid: UID, creationTimestamp: '2025-03-04T05:06:07Z', generation: 1,
    annotations: { 'deprecated.daemonset.template.generation': '1' },
  });
  assert.deepEqual(created['status'], { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
});

function withSpec(object: Obj, change: (spec: Obj) => void, metadata: Obj = {}): Obj {
  const copy = structuredClone(object);
  change(copy['spec'] as Obj);
  copy['metadata'] = { ...metaOf(copy), ...metadata };
  return copy;
}

const DAEMONSET_UPDATES: Array<[string, (spec: Obj) => void, Obj, number, string]> = [
  ['an image change', (s) => { (((s['template'] as Obj)['spec'] as Obj)['containers'] as Obj[])[0]!['image'] = 'agent:2.0'; }, {}, 2, '2'],
  ['a minReadySeconds change', (s) => { s['minReadySeconds'] = 10; }, {}, 2, '1'],
  ['a label change', () => undefined, { labels: { team: 'infra' } }, 1, '1'],
  ['spelling out defaults', (s) => { s['revisionHistoryLimit'] = 10; s['updateStrategy'] = { type: 'RollingUpdate' }; }, {}, 1, '1'],
];
for (const [what, change, metadata, generation, templateGeneration] of DAEMONSET_UPDATES) {
  test(`DaemonSet update with ${what} stores generation ${generation} and template generation ${templateGeneration}`, () => {
    const stored = prepareForCreate(kind('apps/v1/DaemonSet'), daemonSet({ containers: [{ name: 'c', image: 'agent:1.0' }] }), NOW, { uid: UID });
    const updated = prepareForUpdate(kind('apps/v1/DaemonSet'), stored, withSpec(stored, change, metadata));
    assert.equal(metaOf(updated)['generation'], generation);
    assert.equal((metaOf(updated)['annotations'] as Obj)['deprecated.daemonset.template.generation'], templateGeneration);
  });
}

test('nextGeneration bumps only when the spec changes', () => {
  const stored = { metadata: { generation: 4 }, spec: { a: 1, list: [] } };
  assert.equal(nextGeneration(stored, { metadata: { generation: 9 }, spec: { a: 1 } }), 4);
  assert.equal(nextGeneration(stored, { spec: { list: [], a: 1, empty: null } }), 4);
  assert.equal(nextGeneration(stored, { spec: { a: 2 } }), 5);
  assert.equal(nextGeneration({ spec: { a: 1 } }, { spec: { a: 2 } }), 1);
  assert.equal(nextGeneration({ spec: { a: 1 } }, { spec: { a: 1 } }), undefined);
});

test('pod update bumps the generation on a spec change only', () => {
  const stored = prepareForCreate(kind('v1/Pod'), pod({ containers: [{ name: 'c', image: 'nginx:1.26' }] }), NOW, { uid: UID });
  const relabelled = prepareForUpdate(kind('v1/Pod'), stored, withSpec(stored, () => undefined, { labels: { a: 'b' } }));
  assert.equal(metaOf(relabelled)['generation'], 1);
  const reimaged = prepareForUpdate(kind('v1/Pod'), stored, withSpec(stored, (s) => { (s['containers'] as Obj[])[0]!['image'] = 'nginx:1.27'; }));
  assert.equal(metaOf(reimaged)['generation'], 2);
});

test('update keeps the stored uid, creationTimestamp and deletion fields, and strips a cluster-scoped namespace', () => {
  const stored = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: UID, creationTimestamp: '2025-01-01T00:00:00Z', deletionTimestamp: '2025-02-01T00:00:00Z', deletionGracePeriodSeconds: 0 } };
  const updated = prepareForUpdate(kind('v1/Node'), stored, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', namespace: 'x', uid: 'other', creationTimestamp: '2030-01-01T00:00:00Z', labels: { a: 'b' } } });
  assert.deepEqual(metaOf(updated), { name: 'n1', uid: UID, creationTimestamp: '2025-01-01T00:00:00Z', deletionTimestamp: '2025-02-01T00:00:00Z', deletionGracePeriodSeconds: 0, labels: { a: 'b' } });
});

const STATUS_KINDS: Array<[string, Obj, Obj, Obj]> = [
  ['v1/Pod', pod({ containers: [{ name: 'c', image: 'nginx:1.26' }] }), { containers: [{ name: 'c', image: 'nginx:1.27' }] }, { phase: 'Running', qosClass: 'BestEffort' }],
  ['apps/v1/DaemonSet', daemonSet({ containers: [{ name: 'c', image: 'a:1' }] }), { minReadySeconds: 30 }, { currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 1 }],
  ['v1/Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }, { unschedulable: true }, { phase: 'Running' }],
  ['v1/Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }, { finalizers: ['example.com/x'] }, { phase: 'Terminating' }],
];
for (const [kindKey, object, specChange, newStatus] of STATUS_KINDS) {
  test(`${kindKey} update keeps the stored status and a status update keeps the stored spec`, () => {
    const stored = prepareForCreate(kind(kindKey), object, NOW, { uid: UID });
    const request = { ...structuredClone(stored), spec: { ...specOf(stored), ...specChange }, status: { ...(stored['status'] as Obj), ...newStatus } };

    const main = prepareForUpdate(kind(kindKey), stored, request);
    assert.deepEqual(main['status'], applyDefaults(kind(kindKey), stored)['status']);
    if (kindKey !== 'v1/Namespace') assert.deepEqual(specOf(main), applyDefaults(kind(kindKey), request)['spec']);

    const status = resetFieldsForStatusUpdate(kind(kindKey), stored, request);
    assert.deepEqual(specOf(status), specOf(applyDefaults(kind(kindKey), stored)));
    assert.deepEqual(status['status'], applyDefaults(kind(kindKey), request)['status']);
    assert.equal(metaOf(status)['generation'], metaOf(stored)['generation']);
  });
}

test('status update of a kind without a status subresource is refused', () => {
  assert.throws(() => prepareForUpdate(kind('v1/ConfigMap'), { metadata: { name: 'c' } }, { metadata: { name: 'c' } }, 'status'), /no status subresource/);
  assert.throws(() => prepareForUpdate(kind('v1/Pod'), pod({}), pod({}), 'finalize'), /no finalize subresource/);
});

test('pods/status keeps owner references and a missing QoS class', () => {
  const stored = prepareForCreate(kind('v1/Pod'), pod({ containers: [{ name: 'c', image: 'i' }] }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u1' }] }), NOW, { uid: UID });
  const request = { ...structuredClone(stored), metadata: { ...metaOf(stored), ownerReferences: [] }, status: { phase: 'Running' } };
  const updated = resetFieldsForStatusUpdate(kind('v1/Pod'), stored, request);
  assert.deepEqual(metaOf(updated)['ownerReferences'], [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u1' }]);
  assert.deepEqual(updated['status'], { phase: 'Running', qosClass: 'BestEffort' });
});

test('namespace gets the name label, Active phase and kubernetes finalizer on create', () => {
  const created = prepareForCreate(kind('v1/Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { generateName: 'team-', labels: { env: 'dev' } }, spec: { finalizers: ['example.com/x'] } }, NOW, { uid: UID, nameSuffix: 'z9x8w' });
  assert.deepEqual(created, {
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name: 'team-z9x8w', generateName: 'team-', uid: UID, creationTimestamp: '2025-03-04T05:06:07Z', labels: { env: 'dev', 'kubernetes.io/metadata.name': 'team-z9x8w' } },
    spec: { finalizers: ['example.com/x', 'kubernetes'] },
    status: { phase: 'Active' },
  });
});

test('namespace name label is enforced on update, whatever the request says', () => {
  const stored = prepareForCreate(kind('v1/Namespace'), { metadata: { name: 'team' } }, NOW, { uid: UID });
  for (const labels of [undefined, {}, { 'kubernetes.io/metadata.name': 'other', a: 'b' }]) {
    const request = { ...structuredClone(stored), metadata: { ...metaOf(stored), labels } };
    const updated = prepareForUpdate(kind('v1/Namespace'), stored, request);
    assert.equal((metaOf(updated)['labels'] as Obj)['kubernetes.io/metadata.name'], 'team');
  }
  assert.deepEqual(metaOf(applyDefaults(kind('v1/Namespace'), { metadata: { name: 'ns' } }))['labels'], { 'kubernetes.io/metadata.name': 'ns' });
});

test('namespace finalizers change only through the finalize subresource', () => {
  const stored = prepareForCreate(kind('v1/Namespace'), { metadata: { name: 'team' } }, NOW, { uid: UID });
  const request = { ...structuredClone(stored), spec: { finalizers: [] }, status: { phase: 'Terminating' } };
  assert.deepEqual(specOf(prepareForUpdate(kind('v1/Namespace'), stored, request)), { finalizers: ['kubernetes'] });
  const finalized = prepareForUpdate(kind('v1/Namespace'), stored, request, 'finalize');
  assert.deepEqual(specOf(finalized), { finalizers: [] });
  assert.deepEqual(finalized['status'], { phase: 'Active' });
});

test('secret type defaults to Opaque and stringData is merged into data', () => {
  const defaulted = applyDefaults(kind('v1/Secret'), { metadata: { name: 's' }, data: { a: 'b2xk', b: 'b2xk' }, stringData: { b: 'new', c: 'ü' } });
  assert.deepEqual(defaulted, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { a: 'b2xk', b: 'bmV3', c: 'w7w=' } });
  assert.equal(applyDefaults(kind('v1/Secret'), { type: 'kubernetes.io/tls' })['type'], 'kubernetes.io/tls');
});

test('node defaults allocatable to capacity and shows the zero-valued status structs', () => {
  const defaulted = applyDefaults(kind('v1/Node'), { metadata: { name: 'n1' }, spec: { podCIDR: '10.1.0.0/24' }, status: { capacity: { cpu: 4, memory: '8388608Ki' } } });
  assert.deepEqual(defaulted, {
    apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' },
    spec: { podCIDR: '10.1.0.0/24', podCIDRs: ['10.1.0.0/24'] },
    status: {
      capacity: { cpu: '4', memory: '8Gi' },
      allocatable: { cpu: '4', memory: '8Gi' },
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '',
        kubeletVersion: '', kubeProxyVersion: '', operatingSystem: '', architecture: '',
      },
    },
  });
});

test('service account secret references keep only their names on create and update', () => {
  const account = { ...DEFAULT_SA, secrets: [{ name: 'token-a', namespace: 'default', uid: 'u1' }] };
  const created = prepareForCreate(kind('v1/ServiceAccount'), account, NOW, { uid: UID });
  assert.deepEqual(created['secrets'], [{ name: 'token-a' }]);
  assert.deepEqual(prepareForUpdate(kind('v1/ServiceAccount'), created, account)['secrets'], [{ name: 'token-a' }]);
});

test('admitNodeTaints adds the not-ready NoSchedule taint once', () => {
  const tainted = admitNodeTaints({ metadata: { name: 'n1' }, spec: { taints: [{ key: 'a', effect: 'NoExecute' }] } });
  const expected = [{ key: 'a', effect: 'NoExecute' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }];
  assert.deepEqual(specOf(tainted)['taints'], expected);
  assert.deepEqual(specOf(admitNodeTaints(tainted))['taints'], expected);
});

test('lease, event and configmap show what Go always serializes and nothing more', () => {
  assert.deepEqual(applyDefaults(kind('coordination.k8s.io/v1/Lease'), { metadata: { name: 'l' } }), { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: {} });
  assert.deepEqual(applyDefaults(kind('v1/Event'), { metadata: { name: 'e' }, reason: 'Started', firstTimestamp: '2025-01-01T00:00:00Z' }), {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, reason: 'Started', firstTimestamp: '2025-01-01T00:00:00Z',
    involvedObject: {}, source: {}, reportingComponent: '', reportingInstance: '', lastTimestamp: null, eventTime: null,
  });
  assert.deepEqual(applyDefaults(kind('v1/ConfigMap'), { metadata: { name: 'c' } }), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
});

const AUTOMOUNT: Array<[string, boolean | undefined, boolean | undefined, boolean]> = [
  ['neither says', undefined, undefined, true],
  ['the account says false', undefined, false, false],
  ['the pod says false', false, undefined, false],
  ['the pod says true over the account', true, false, true],
];
for (const [what, podSetting, accountSetting, mounted] of AUTOMOUNT) {
  test(`ServiceAccount admission ${mounted ? 'mounts' : 'does not mount'} the token when ${what}`, () => {
    const body = pod({ automountServiceAccountToken: podSetting, containers: [{ name: 'c', image: 'i' }] });
    const result = admitServiceAccount(body, { ...DEFAULT_SA, automountServiceAccountToken: accountSetting }, 'abcde');
    const object = admitted(result);
    assert.equal(Array.isArray(specOf(object)['volumes']), mounted);
    assert.equal(Array.isArray(containerOf(object)['volumeMounts']), mounted);
    assert.equal(specOf(object)['serviceAccountName'], 'default');
  });
}

test('ServiceAccount admission refuses a pod whose account does not exist', () => {
  const result = admitServiceAccount(pod({ serviceAccountName: 'builder', containers: [] }), undefined);
  assert.deepEqual(result, {
    allowed: false, code: 403, reason: 'Forbidden',
    message: 'pods "p" is forbidden: error looking up service account default/builder: serviceaccount "builder" not found',
  });
});

test('ServiceAccount admission respects existing mounts and volumes and copies pull secrets', () => {
  const object = admitted(admitServiceAccount(pod({
    containers: [
      { name: 'own', image: 'i', volumeMounts: [{ name: 'mine', mountPath: SA_PATH }] },
      { name: 'plain', image: 'i' },
    ],
    initContainers: [{ name: 'init', image: 'i' }],
    volumes: [{ name: 'kube-api-access-old12', projected: { sources: [] } }],
  }), { ...DEFAULT_SA, imagePullSecrets: [{ name: 'registry' }] }, 'abcde'));
  assert.deepEqual(containerOf(object, 0)['volumeMounts'], [{ name: 'mine', mountPath: SA_PATH }]);
  assert.deepEqual(containerOf(object, 1)['volumeMounts'], [{ name: 'kube-api-access-old12', readOnly: true, mountPath: SA_PATH }]);
  assert.deepEqual((specOf(object)['initContainers'] as Obj[])[0]!['volumeMounts'], [{ name: 'kube-api-access-old12', readOnly: true, mountPath: SA_PATH }]);
  assert.equal((specOf(object)['volumes'] as Obj[]).length, 1);
  assert.deepEqual(specOf(object)['imagePullSecrets'], [{ name: 'registry' }]);
});

test('ServiceAccount admission only checks mirror pods', () => {
  const mirror = pod({ containers: [{ name: 'c', image: 'i' }] }, { annotations: { 'kubernetes.io/config.mirror': 'hash' } });
  assert.deepEqual(admitted(admitServiceAccount(mirror, undefined)), mirror);
  const withSecret = pod({ containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 's', secret: { secretName: 'x' } }] }, { annotations: { 'kubernetes.io/config.mirror': 'hash' } });
  const result = admitServiceAccount(withSecret, undefined);
  assert.equal(result.allowed ? '' : result.message, 'pods "p" is forbidden: a mirror pod may not reference secrets');
});

const PRIORITY_CLASSES = [
  { metadata: { name: 'low' }, value: 10, globalDefault: true, preemptionPolicy: 'Never' },
  { metadata: { name: 'high' }, value: 1000 },
];
const PRIORITIES: Array<[string, Obj, readonly Obj[], Obj | string]> = [
  ['no class and no global default', {}, [], { priority: 0, preemptionPolicy: 'PreemptLowerPriority' }],
  ['no class, with a global default', {}, PRIORITY_CLASSES, { priorityClassName: 'low', priority: 10, preemptionPolicy: 'Never' }],
  ['a named class', { priorityClassName: 'high' }, PRIORITY_CLASSES, { priorityClassName: 'high', priority: 1000, preemptionPolicy: 'PreemptLowerPriority' }],
  ['a system class', { priorityClassName: 'system-node-critical' }, [], { priorityClassName: 'system-node-critical', priority: 2000001000, preemptionPolicy: 'PreemptLowerPriority' }],
  ['a class that does not exist', { priorityClassName: 'gold' }, [], 'pods "p" is forbidden: no PriorityClass with name gold was found'],
  ['a conflicting priority', { priorityClassName: 'high', priority: 5 }, PRIORITY_CLASSES,
    'pods "p" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name'],
  ['the matching priority given', { priority: 0 }, [], { priority: 0, preemptionPolicy: 'PreemptLowerPriority' }],
];
for (const [what, specFields, classes, expected] of PRIORITIES) {
  test(`Priority admission with ${what}`, () => {
    const result = admitPodPriority(pod({ containers: [], ...specFields }), classes);
    if (typeof expected === 'string') {
      assert.equal(result.allowed ? '' : result.message, expected);
      return;
    }
    assert.deepEqual(specOf(admitted(result)), { containers: [], ...expected });
  });
}

test('pod update admission keeps the stored priority and re-adds default tolerations', () => {
  const stored = pod({ containers: [], priority: 7, preemptionPolicy: 'Never', tolerations: [] });
  const updated = admitPodUpdate(stored, pod({ containers: [] }));
  assert.deepEqual(specOf(updated), {
    containers: [], priority: 7, preemptionPolicy: 'Never',
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
  });
});

const TOLERATIONS: Array<[string, Obj[], string[]]> = [
  ['no tolerations', [], ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']],
  ['a toleration of everything', [{ operator: 'Exists' }], []],
  ['a not-ready NoExecute toleration', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }], ['node.kubernetes.io/unreachable']],
  ['a not-ready NoSchedule toleration', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }], ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']],
  ['an unreachable toleration for any effect', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }], ['node.kubernetes.io/not-ready']],
];
for (const [what, given, addedKeys] of TOLERATIONS) {
  test(`DefaultTolerationSeconds admission with ${what}`, () => {
    const tolerations = specOf(admitDefaultTolerations(pod({ containers: [], tolerations: given })))['tolerations'] as Obj[];
    assert.deepEqual(tolerations.slice(0, given.length), given);
    assert.deepEqual(tolerations.slice(given.length), addedKeys.map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 })));
  });
}
