import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyJsonPatch,
  applyMergePatch,
  applyPatch,
  applyStrategicMergePatch,
  PatchError,
  type JsonObject,
  type JsonValue,
} from '../../src/controlplane/patch/index.js';
import { fieldOf, type FieldMeta, type TypeMeta } from '../../src/controlplane/patch/patch-meta.js';
import { resourceRegistry } from '../../src/controlplane/resources/index.js';

/** The patch metadata of the served kind with that key ('v1/Pod'), if any: what the API server patches with. */
function patchMetaFor(kindKey: string): TypeMeta | undefined {
  return resourceRegistry.forKind(kindKey)?.patchMeta;
}

interface Failure {
  code: number;
  reason: string;
  message: string;
  detail?: string;
}

function failure(run: () => unknown): Failure {
  try {
    run();
  } catch (error) {
    if (!(error instanceof PatchError)) throw error;
    return { code: error.code, reason: error.reason, message: error.message, ...(error.detail === undefined ? {} : { detail: error.detail }) };
  }
  assert.fail('expected a PatchError');
}

/** Frozen all the way down, so that any write to an input throws. */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) frozen(item);
    Object.freeze(value);
  }
  return value;
}

const REJECTED = 'the server rejected our request due to an error in our request';

// A DaemonSet as kubectl apply created it and the API server stored it (defaults filled in).
const AGENT_1_0 = 'registry.example/node-agent:1.0';
const AGENT_1_1 = 'registry.example/node-agent:1.1';
const ENV_INFO = { name: 'LOG_LEVEL', value: 'info' };
const METRICS_PORT = { containerPort: 9100, name: 'metrics', protocol: 'TCP' };
const HEALTH_PORT = { containerPort: 9101, name: 'health', protocol: 'TCP' };
const DATA_MOUNT = { mountPath: '/var/lib/agent', name: 'data' };
const HOST_PATH_VOLUME = { hostPath: { path: '/var/lib/agent', type: 'DirectoryOrCreate' }, name: 'data' };

interface AgentShape {
  image?: string;
  /** null: the container has no env. */
  env?: JsonValue[] | null;
  ports?: JsonValue[];
  volumes?: JsonValue[];
  lastApplied?: string;
  extraContainers?: JsonValue[];
  templateAnnotations?: JsonObject;
}

/** kubectl's last-applied-configuration: the manifest as json.Marshal writes it, keys sorted. */
function lastApplied(image: string, env: JsonValue[] = [ENV_INFO], volumes: JsonValue[] = [HOST_PATH_VOLUME]): string {
  const container = { env, image, name: 'agent', ports: [{ containerPort: 9100, name: 'metrics' }, { containerPort: 9101, name: 'health' }], volumeMounts: [DATA_MOUNT] };
  const manifest = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { annotations: {}, name: 'node-agent', namespace: 'kube-system' },
    spec: { selector: { matchLabels: { app: 'node-agent' } }, template: { metadata: { labels: { app: 'node-agent' } }, spec: { containers: [container], hostNetwork: true, volumes } } },
  };
  return `${JSON.stringify(manifest)}\n`;
}

function liveDaemonSet(shape: AgentShape = {}): JsonObject {
  const agent = {
    name: 'agent',
    image: shape.image ?? AGENT_1_0,
    ...(shape.env === null ? {} : { env: shape.env ?? [ENV_INFO] }),
    ports: shape.ports ?? [METRICS_PORT, HEALTH_PORT],
    volumeMounts: [DATA_MOUNT],
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: 'node-agent',
      namespace: 'kube-system',
      uid: '0d6f4a58-1c55-4d56-9a1e-6f6c2b1e3a10',
      resourceVersion: '4711',
      generation: 1,
      creationTimestamp: '2024-05-01T09:00:00Z',
      annotations: {
        'deprecated.daemonset.template.generation': '1',
        'kubectl.kubernetes.io/last-applied-configuration': shape.lastApplied ?? lastApplied(AGENT_1_0),
      },
    },
    spec: {
      selector: { matchLabels: { app: 'node-agent' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'node-agent' }, ...(shape.templateAnnotations ? { annotations: shape.templateAnnotations } : {}) },
        spec: {
          containers: [agent, ...(shape.extraContainers ?? [])],
          volumes: shape.volumes ?? [HOST_PATH_VOLUME],
          hostNetwork: true,
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
    status: { currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1, observedGeneration: 1 },
  };
}

/**
 * The body kubectl (1.27+) client-side apply sends: a three-way strategic merge patch. The bodies
 * below are the ones kubectl 1.32 sent for these manifest changes, recorded from its requests.
 */
function applyBody(templateSpec: JsonObject, newLastApplied: string): JsonObject {
  return {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': newLastApplied } },
    spec: { template: { spec: templateSpec } },
  };
}

describe('strategic merge patch: what kubectl sends', () => {
  test('client-side apply of a new container image ($setElementOrder/containers, last-applied annotation)', () => {
    const body = applyBody({ '$setElementOrder/containers': [{ name: 'agent' }], containers: [{ image: AGENT_1_1, name: 'agent' }] }, lastApplied(AGENT_1_1));
    const patched = applyStrategicMergePatch(patchMetaFor('apps/v1/DaemonSet'), frozen(liveDaemonSet()), frozen(body));
    assert.deepEqual(patched, liveDaemonSet({ image: AGENT_1_1, lastApplied: lastApplied(AGENT_1_1) }));
  });

  test('client-side apply keeps a container the manifest never had, after the applied ones', () => {
    const sidecar = { name: 'mesh-proxy', image: 'registry.example/proxy:2' };
    const body = applyBody({ '$setElementOrder/containers': [{ name: 'agent' }], containers: [{ image: AGENT_1_1, name: 'agent' }] }, lastApplied(AGENT_1_1));
    const patched = applyStrategicMergePatch(patchMetaFor('apps/v1/DaemonSet'), liveDaemonSet({ extraContainers: [sidecar] }), body);
    assert.deepEqual(patched, liveDaemonSet({ image: AGENT_1_1, lastApplied: lastApplied(AGENT_1_1), extraContainers: [sidecar] }));
  });

  const NODE_NAME = { name: 'NODE_NAME', value: 'worker-1' };
  const TWO_ENV: AgentShape = { env: [ENV_INFO, NODE_NAME], lastApplied: lastApplied(AGENT_1_0, [ENV_INFO, NODE_NAME]) };
  const containerCases: Array<[string, AgentShape, JsonObject, string, AgentShape]> = [
    [
      'adding an env var puts it where $setElementOrder/env says',
      {},
      { '$setElementOrder/env': [{ name: 'LOG_LEVEL' }, { name: 'NODE_NAME' }], env: [{ name: 'NODE_NAME', value: 'worker-1' }], name: 'agent' },
      lastApplied(AGENT_1_0, [ENV_INFO, NODE_NAME]),
      { env: [ENV_INFO, NODE_NAME] },
    ],
    [
      'removing an env var sends $patch: delete keyed by name',
      TWO_ENV,
      { '$setElementOrder/env': [{ name: 'NODE_NAME' }], env: [{ $patch: 'delete', name: 'LOG_LEVEL' }], name: 'agent' },
      lastApplied(AGENT_1_0, [NODE_NAME]),
      { env: [NODE_NAME] },
    ],
    ['removing the last env var sends env: null', {}, { env: null, name: 'agent' }, lastApplied(AGENT_1_0, []), { env: null }],
    [
      'removing a container port sends $patch: delete keyed by containerPort',
      {},
      { '$setElementOrder/ports': [{ containerPort: 9100 }], name: 'agent', ports: [{ $patch: 'delete', containerPort: 9101 }] },
      lastApplied(AGENT_1_0),
      { ports: [METRICS_PORT] },
    ],
  ];
  for (const [name, live, container, applied, expected] of containerCases) {
    test(name, () => {
      const body = applyBody({ '$setElementOrder/containers': [{ name: 'agent' }], containers: [container] }, applied);
      const patched = applyStrategicMergePatch(patchMetaFor('apps/v1/DaemonSet'), frozen(liveDaemonSet(live)), frozen(body));
      assert.deepEqual(patched, liveDaemonSet({ ...expected, lastApplied: applied }));
    });
  }

  test('$retainKeys switches a volume from hostPath to emptyDir', () => {
    const applied = lastApplied(AGENT_1_0, [ENV_INFO], [{ emptyDir: {}, name: 'data' }]);
    const body = applyBody(
      { '$setElementOrder/volumes': [{ name: 'data' }], volumes: [{ $retainKeys: ['emptyDir', 'name'], emptyDir: {}, hostPath: null, name: 'data' }] },
      applied,
    );
    const patched = applyStrategicMergePatch(patchMetaFor('apps/v1/DaemonSet'), liveDaemonSet(), body);
    assert.deepEqual(patched, liveDaemonSet({ volumes: [{ name: 'data', emptyDir: {} }], lastApplied: applied }));
  });

  test('$retainKeys clears the other volume source even when the patch does not null it', () => {
    const patched = applyStrategicMergePatch(patchMetaFor('apps/v1/DaemonSet'), liveDaemonSet(), {
      spec: { template: { spec: { volumes: [{ $retainKeys: ['emptyDir', 'name'], emptyDir: { medium: 'Memory' }, name: 'data' }] } } },
    });
    assert.deepEqual(patched, liveDaemonSet({ volumes: [{ name: 'data', emptyDir: { medium: 'Memory' } }] }));
  });

  test('kubectl rollout restart stamps the template annotations', () => {
    const body = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-02T08:30:00Z' } } } } };
    const patched = applyStrategicMergePatch(patchMetaFor('apps/v1/DaemonSet'), liveDaemonSet(), body);
    assert.deepEqual(patched, liveDaemonSet({ templateAnnotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-02T08:30:00Z' } }));
  });

  test('kubectl patch without $setElementOrder puts a new list item first, as strategicpatch does', () => {
    const body = { spec: { template: { spec: { containers: [{ name: 'agent', env: [{ name: 'NODE_NAME', value: 'worker-1' }] }] } } } };
    const patched = applyStrategicMergePatch(patchMetaFor('apps/v1/DaemonSet'), liveDaemonSet(), body);
    assert.deepEqual(patched, liveDaemonSet({ env: [{ name: 'NODE_NAME', value: 'worker-1' }, ENV_INFO] }));
  });

  test('$setElementOrder alone reorders the list', () => {
    const sidecar = { name: 'mesh-proxy', image: 'registry.example/proxy:2' };
    const live = liveDaemonSet({ extraContainers: [sidecar] });
    const patched = applyStrategicMergePatch(patchMetaFor('apps/v1/DaemonSet'), live, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'mesh-proxy' }, { name: 'agent' }] } } } });
    const template = (liveDaemonSet().spec as { template: { spec: { containers: JsonValue[] } } }).template;
    assert.deepEqual((patched.spec as { template: { spec: { containers: JsonValue[] } } }).template.spec.containers, [sidecar, template.spec.containers[0]]);
  });
});

describe('strategic merge patch: merge keys and strategies', () => {
  const pod = (): JsonObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', tier: 'front' },
      finalizers: ['example.com/a', 'example.com/b'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'web', uid: 'u-1', controller: true }],
    },
    spec: {
      containers: [{ name: 'web', image: 'nginx:1.25' }],
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
      imagePullSecrets: [{ name: 'regcred' }],
    },
  });

  const cases: Array<[string, JsonObject, (expected: JsonObject) => void]> = [
    ['null deletes a label', { metadata: { labels: { tier: null } } }, (e) => ((e.metadata as JsonObject).labels = { app: 'web' })],
    [
      'finalizers merge as a set union, new ones first, and $deleteFromPrimitiveList removes',
      { metadata: { finalizers: ['example.com/c', 'example.com/a'], '$deleteFromPrimitiveList/finalizers': ['example.com/b'] } },
      (e) => ((e.metadata as JsonObject).finalizers = ['example.com/c', 'example.com/a']),
    ],
    [
      'finalizers ordered by $setElementOrder',
      { metadata: { '$setElementOrder/finalizers': ['example.com/b', 'example.com/a', 'example.com/c'], finalizers: ['example.com/c'] } },
      (e) => ((e.metadata as JsonObject).finalizers = ['example.com/b', 'example.com/a', 'example.com/c']),
    ],
    [
      'ownerReferences merge by uid',
      { metadata: { ownerReferences: [{ uid: 'u-1', blockOwnerDeletion: true }] } },
      (e) => ((e.metadata as JsonObject).ownerReferences = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'web', uid: 'u-1', controller: true, blockOwnerDeletion: true }]),
    ],
    [
      'tolerations have no merge key: the patch list replaces them',
      { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'edge', effect: 'NoExecute' }] } },
      (e) => ((e.spec as JsonObject).tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'edge', effect: 'NoExecute' }]),
    ],
    [
      "the pod's imagePullSecrets merge by name",
      { spec: { imagePullSecrets: [{ name: 'mirror' }] } },
      (e) => ((e.spec as JsonObject).imagePullSecrets = [{ name: 'mirror' }, { name: 'regcred' }]),
    ],
    [
      '$patch: replace in a list replaces the whole list',
      { spec: { containers: [{ name: 'only', image: 'busybox' }, { $patch: 'replace' }] } },
      (e) => ((e.spec as JsonObject).containers = [{ name: 'only', image: 'busybox' }]),
    ],
    ['$patch: replace in a map replaces the map', { metadata: { labels: { $patch: 'replace', app: 'api' } } }, (e) => ((e.metadata as JsonObject).labels = { app: 'api' })],
    ['$patch: delete in a map leaves it empty', { metadata: { labels: { $patch: 'delete' } } }, (e) => ((e.metadata as JsonObject).labels = {})],
    [
      'a new list item keeps no directives or nulls',
      { spec: { containers: [{ name: 'log', image: 'busybox', args: null, '$setElementOrder/env': [{ name: 'A' }], env: [{ name: 'A', value: '1' }] }] } },
      (e) => ((e.spec as JsonObject).containers = [{ name: 'log', image: 'busybox', env: [{ name: 'A', value: '1' }] }, { name: 'web', image: 'nginx:1.25' }]),
    ],
  ];
  for (const [name, body, change] of cases) {
    test(name, () => {
      const expected = pod();
      change(expected);
      assert.deepEqual(applyStrategicMergePatch(patchMetaFor('v1/Pod'), frozen(pod()), frozen(body)), expected);
    });
  }

  test("a ServiceAccount's imagePullSecrets carry no merge key, its secrets merge by name", () => {
    const account = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'agent' }, secrets: [{ name: 's1' }], imagePullSecrets: [{ name: 'regcred' }] };
    const patched = applyStrategicMergePatch(patchMetaFor('v1/ServiceAccount'), account, { secrets: [{ name: 's2' }], imagePullSecrets: [{ name: 'mirror' }] });
    assert.deepEqual(patched, { ...account, secrets: [{ name: 's2' }, { name: 's1' }], imagePullSecrets: [{ name: 'mirror' }] });
  });

  test('a node status heartbeat merges conditions and addresses by type; podCIDRs union; taints replace', () => {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'worker-1' },
      spec: { podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'a', effect: 'NoSchedule' }] },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2024-05-01T09:00:00Z' },
          { type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-01T09:00:00Z' },
        ],
        addresses: [{ type: 'InternalIP', address: '10.0.0.11' }, { type: 'Hostname', address: 'worker-1' }],
        images: [{ names: ['registry.example/a:1'], sizeBytes: 100 }],
      },
    };
    const body = {
      spec: { podCIDRs: ['fd00:10:244:1::/64'], taints: [{ key: 'b', effect: 'NoExecute' }] },
      status: {
        '$setElementOrder/conditions': [{ type: 'MemoryPressure' }, { type: 'Ready' }],
        conditions: [{ type: 'Ready', lastHeartbeatTime: '2024-05-01T09:00:40Z' }],
        addresses: [{ type: 'Hostname', address: 'worker-1.local' }],
        images: [{ names: ['registry.example/b:1'], sizeBytes: 200 }],
      },
    };
    assert.deepEqual(applyStrategicMergePatch(patchMetaFor('v1/Node'), node, body), {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'worker-1' },
      spec: { podCIDRs: ['fd00:10:244:1::/64', '10.244.1.0/24'], taints: [{ key: 'b', effect: 'NoExecute' }] },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2024-05-01T09:00:00Z' },
          { type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-01T09:00:40Z' },
        ],
        addresses: [{ type: 'InternalIP', address: '10.0.0.11' }, { type: 'Hostname', address: 'worker-1.local' }],
        images: [{ names: ['registry.example/b:1'], sizeBytes: 200 }],
      },
    });
  });

  test('a null patch changes nothing; Dates in the original come out as JSON strings', () => {
    const original = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', creationTimestamp: new Date('2024-05-01T09:00:00Z') }, data: { a: '1' } };
    assert.deepEqual(applyStrategicMergePatch(patchMetaFor('v1/ConfigMap'), original, null), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', creationTimestamp: '2024-05-01T09:00:00.000Z' },
      data: { a: '1' },
    });
  });
});

describe('strategic merge patch: errors as kube-apiserver reports them', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', finalizers: ['f1', 'f2'] }, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'data', emptyDir: {} }] } };
  const cases: Array<[string, string, unknown, Failure]> = [
    ['a list item without its merge key', 'v1/Pod', { spec: { containers: [{ image: 'x' }] } }, { code: 400, reason: 'BadRequest', message: 'map: map[image:x] does not contain declared merge key: name' }],
    ['an unknown $patch in a map', 'v1/Pod', { spec: { $patch: 'merge' } }, { code: 400, reason: 'BadRequest', message: 'unknown patch type: merge in map: map[$patch:merge]' }],
    ['$patch: merge in a list', 'v1/Pod', { spec: { containers: [{ name: 'c', $patch: 'merge' }] } }, { code: 400, reason: 'BadRequest', message: 'merging lists cannot yet be specified in the patch' }],
    ['$retainKeys that is not a list', 'v1/Pod', { spec: { volumes: [{ name: 'data', $retainKeys: 'name' }] } }, { code: 400, reason: 'BadRequest', message: 'invalid patch format of retainKeys' }],
    ['a patched key missing from $retainKeys', 'v1/Pod', { spec: { volumes: [{ name: 'data', $retainKeys: ['name'], hostPath: { path: '/x' } }] } }, { code: 400, reason: 'BadRequest', message: 'invalid patch format of retainKeys' }],
    ['$setElementOrder without a field', 'v1/Pod', { spec: { $setElementOrder: [] } }, { code: 400, reason: 'BadRequest', message: 'invalid patch format of setElementOrder list' }],
    ['$deleteFromPrimitiveList without a field', 'v1/Pod', { metadata: { $deleteFromPrimitiveList: ['f1'] } }, { code: 400, reason: 'BadRequest', message: 'invalid patch format of primitive list' }],
    [
      'a patch list out of $setElementOrder',
      'v1/Pod',
      { spec: { '$setElementOrder/containers': [{ name: 'other' }], containers: [{ name: 'c', image: 'x' }] } },
      { code: 400, reason: 'BadRequest', message: "The order in patch list:\n[map[image:x name:c]]\n doesn't match $setElementOrder list:\n[map[name:other]]\n" },
    ],
    ['list items of another type', 'v1/Pod', { metadata: { finalizers: [1] } }, { code: 400, reason: 'BadRequest', message: 'list element types are not identical: [[f1 f2] [1]]' }],
    [
      'a list where a map belongs',
      'v1/Pod',
      { metadata: { labels: ['a'] } },
      { code: 422, reason: 'Invalid', message: ' "" is invalid: patch: Invalid value: "map[metadata:map[labels:[a]]]": cannot restore map from slice' },
    ],
    [
      'a map where a list belongs',
      'v1/Pod',
      { spec: { containers: { name: 'c' } } },
      { code: 422, reason: 'Invalid', message: ' "" is invalid: patch: Invalid value: "map[spec:map[containers:map[name:c]]]": cannot restore slice from map' },
    ],
    ['a string where a struct belongs', 'v1/Pod', { spec: 'none' }, { code: 422, reason: 'Invalid', message: ' "" is invalid: patch: Invalid value: "map[spec:none]": cannot restore struct from: string' }],
    ['a patch that is not an object', 'v1/Pod', [], { code: 400, reason: 'BadRequest', message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' }],
    [
      'a kind without patch metadata',
      'example.com/v1/Widget',
      {},
      { code: 415, reason: 'UnsupportedMediaType', message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml' },
    ],
  ];
  for (const [name, kindKey, body, expected] of cases) {
    test(name, () => assert.deepEqual(failure(() => applyStrategicMergePatch(patchMetaFor(kindKey), pod, body)), expected));
  }

  test('a list of lists', () => {
    const empty = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', finalizers: [] } };
    assert.deepEqual(failure(() => applyStrategicMergePatch(patchMetaFor('v1/Pod'), empty, { metadata: { finalizers: [['f1']] } })), {
      code: 422,
      reason: 'Invalid',
      message: REJECTED,
      detail: 'lists of lists are not supported',
    });
  });
});

describe('JSON merge patch', () => {
  const pod = (): JsonObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web', tier: 'front' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });

  test('kubectl label sets and removes labels', () => {
    const patched = applyMergePatch(frozen(pod()), frozen({ metadata: { labels: { team: 'a', tier: null } } }));
    assert.deepEqual(patched, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web', team: 'a' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });
  });

  test('the same label patch sent as a strategic merge patch does the same', () => {
    const patched = applyStrategicMergePatch(patchMetaFor('v1/Pod'), pod(), { metadata: { labels: { team: 'a', tier: null } } });
    assert.deepEqual(patched, applyMergePatch(pod(), { metadata: { labels: { team: 'a', tier: null } } }));
  });

  test('lists are replaced whole; nulls inside a new object are dropped', () => {
    const patched = applyMergePatch(pod(), { spec: { containers: [{ name: 'api', image: 'api:2' }], affinity: { nodeAffinity: null, podAffinity: { required: [] } } } });
    assert.deepEqual(patched, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
      spec: { containers: [{ name: 'api', image: 'api:2' }], affinity: { podAffinity: { required: [] } } },
    });
  });

  const malformed: Array<[string, unknown, string]> = [
    ['null', null, 'Invalid JSON Patch'],
    ['a list', [{ metadata: {} }], 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['a string', 'x', 'error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}'],
    ['a number', 3, 'error decoding patch: json: cannot unmarshal number into Go value of type map[string]interface {}'],
  ];
  for (const [name, body, message] of malformed) {
    test(`a ${name} patch is 400`, () => assert.deepEqual(failure(() => applyMergePatch(pod(), body)), { code: 400, reason: 'BadRequest', message }));
  }

  test('a "__proto__" key is data, not a prototype', () => {
    const patched = applyMergePatch({ metadata: { labels: {} } }, JSON.parse('{"metadata":{"labels":{"__proto__":"x"}}}'));
    assert.deepEqual(patched, JSON.parse('{"metadata":{"labels":{"__proto__":"x"}}}'));
    assert.equal(Object.getPrototypeOf(((patched as JsonObject).metadata as JsonObject).labels), Object.prototype);
  });
});

describe('JSON patch', () => {
  const pod = (): JsonObject => ({
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { nodeName: 'worker-1', containers: [{ name: 'web', image: 'nginx:1.25', args: ['a', 'b'] }] },
  });
  const withArgs = (args: JsonValue[]): JsonObject => ({ metadata: { name: 'web', labels: { app: 'web' } }, spec: { nodeName: 'worker-1', containers: [{ name: 'web', image: 'nginx:1.25', args }] } });
  const withLabels = (labels: JsonObject): JsonObject => ({ metadata: { name: 'web', labels }, spec: { nodeName: 'worker-1', containers: [{ name: 'web', image: 'nginx:1.25', args: ['a', 'b'] }] } });

  const applied: Array<[string, JsonValue[], JsonObject]> = [
    [
      '~1 and ~0 escape "/" and "~" (one pass: "~01" is "~1")',
      [
        { op: 'add', path: '/metadata/labels/example.com~1role', value: 'edge' },
        { op: 'add', path: '/metadata/labels/a~0b', value: 'tilde' },
        { op: 'add', path: '/metadata/labels/x~01', value: 'literal' },
      ],
      withLabels({ app: 'web', 'example.com/role': 'edge', 'a~b': 'tilde', 'x~1': 'literal' }),
    ],
    ['"-" appends to an array', [{ op: 'add', path: '/spec/containers/0/args/-', value: 'c' }], withArgs(['a', 'b', 'c'])],
    ['an index inserts before it', [{ op: 'add', path: '/spec/containers/0/args/0', value: 'z' }], withArgs(['z', 'a', 'b'])],
    ['a negative index counts from the end', [{ op: 'remove', path: '/spec/containers/0/args/-1' }, { op: 'add', path: '/spec/containers/0/args/-1', value: 'y' }], withArgs(['a', 'y'])],
    ['replace of a missing object key adds it', [{ op: 'replace', path: '/metadata/labels/tier', value: 'front' }], withLabels({ app: 'web', tier: 'front' })],
    ['move and copy', [{ op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/component' }, { op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/name' }], withLabels({ component: 'web', name: 'web' })],
    [
      'test then replace, as kubectl patch --type=json does to compare-and-set',
      [{ op: 'test', path: '/spec/containers/0/args', value: ['a', 'b'] }, { op: 'replace', path: '/spec/containers/0/args', value: [] }],
      withArgs([]),
    ],
    ['test of null matches a missing key', [{ op: 'test', path: '/spec/affinity', value: null }], pod()],
    ['a path without a leading "/" resolves its last token from the root', [{ op: 'add', path: 'x/priority', value: 5 }], { ...pod(), priority: 5 }],
  ];
  for (const [name, operations, expected] of applied) {
    test(name, () => assert.deepEqual(applyJsonPatch(frozen(pod()), frozen(operations)), expected));
  }

  test('replace of the root swaps the whole document', () => {
    assert.deepEqual(applyJsonPatch(pod(), [{ op: 'replace', path: '', value: { kind: 'Pod' } }]), { kind: 'Pod' });
  });

  const failed: Array<[string, JsonValue[], string]> = [
    ['a failed test', [{ op: 'test', path: '/spec/nodeName', value: 'worker-2' }], 'testing value /spec/nodeName failed: test failed'],
    ['a missing parent', [{ op: 'remove', path: '/spec/affinity/nodeAffinity' }], 'remove operation does not apply: doc is missing path: "/spec/affinity/nodeAffinity": missing value'],
    ['a missing key', [{ op: 'remove', path: '/metadata/labels/tier' }], "error in remove for path: '/metadata/labels/tier': Unable to remove nonexistent key: tier: missing value"],
    ['an index past the end on the way', [{ op: 'replace', path: '/spec/containers/1/image', value: 'x' }], 'replace operation does not apply: doc is missing path: /spec/containers/1/image: missing value'],
    ['an add past the end', [{ op: 'add', path: '/spec/containers/0/args/3', value: 'x' }], "error in add for path: '/spec/containers/0/args/3': Unable to access invalid index: 3: invalid index referenced"],
    [
      'an index that is not a number',
      [{ op: 'add', path: '/spec/containers/0/args/first', value: 'x' }],
      "error in add for path: '/spec/containers/0/args/first': value was not a proper array index: 'first': strconv.Atoi: parsing \"first\": invalid syntax",
    ],
    ['replace of "-"', [{ op: 'replace', path: '/spec/containers/0/args/-', value: 'x' }], 'replace operation does not apply: doc is missing key: /spec/containers/0/args/-: missing value'],
    ['an unknown op', [{ op: 'merge', path: '/spec' }], 'Unexpected kind: merge'],
    ['no op', [{ path: '/spec' }], 'Unexpected kind: unknown'],
    ['an add without a path', [{ op: 'add', value: 1 }], 'add operation failed to decode path: missing value'],
    ['a move from a missing key', [{ op: 'move', from: '/metadata/labels/tier', path: '/metadata/labels/role' }], "error in move for path: 'tier': Unable to remove nonexistent key: tier: missing value"],
    ['a copy to a missing parent', [{ op: 'copy', from: '/metadata/name', path: '/status/podIP' }], 'copy operation does not apply: doc is missing destination path: /status/podIP: missing value'],
    ['a root replaced by a scalar', [{ op: 'replace', path: '', value: 'x' }], 'replace operation value must be object or array: %!w(<nil>)'],
  ];
  for (const [name, operations, detail] of failed) {
    test(`${name} is 422 Invalid`, () => {
      assert.deepEqual(failure(() => applyJsonPatch(pod(), operations)), { code: 422, reason: 'Invalid', message: REJECTED, detail });
    });
  }

  test('a failing operation leaves the input as it was', () => {
    const original = pod();
    failure(() => applyJsonPatch(original, [{ op: 'add', path: '/metadata/labels/x', value: '1' }, { op: 'test', path: '/metadata/name', value: 'db' }]));
    assert.deepEqual(original, pod());
  });

  const malformed: Array<[string, unknown, string]> = [
    ['an object', { op: 'add' }, 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp'],
    ['a list of numbers', [1], 'error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp'],
    ['a numeric path', [{ op: 'add', path: 1, value: 'x' }], 'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string'],
  ];
  for (const [name, body, message] of malformed) {
    test(`${name} is not a JSON patch: 400`, () => assert.deepEqual(failure(() => applyJsonPatch(pod(), body)), { code: 400, reason: 'BadRequest', message }));
  }

  test('more than 10000 operations: 413', () => {
    const operations = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/metadata/name', value: 'web' }));
    assert.deepEqual(failure(() => applyJsonPatch(pod(), operations)), {
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    });
  });
});

describe('applyPatch', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } } };

  test('dispatches on the media type, ignoring parameters, and reads a raw body', () => {
    const body = Buffer.from('{"metadata":{"labels":{"app":null,"team":"a"}}}');
    assert.deepEqual(applyPatch('application/merge-patch+json; charset=utf-8', patchMetaFor('v1/Pod'), pod, body), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { team: 'a' } } });
    assert.deepEqual(applyPatch('application/json-patch+json', patchMetaFor('v1/Pod'), pod, '[{"op":"add","path":"/metadata/labels/team","value":"a"}]'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web', team: 'a' } },
    });
    assert.deepEqual(applyPatch('application/strategic-merge-patch+json', patchMetaFor('v1/Pod'), pod, { metadata: { labels: { app: 'api' } } }), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'api' } },
    });
  });

  // kube-apiserver 1.36: a built-in kind's route refuses other media types bare; a custom resource's handler lists what it takes.
  const ACCEPTED = 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';
  const refused: Array<[string, string, string, string]> = [
    ['server-side apply, which is the field manager\'s', 'application/apply-patch+yaml', 'v1/Pod', '415: Unsupported Media Type'],
    ['server-side apply in CBOR', 'application/apply-patch+cbor', 'v1/Pod', '415: Unsupported Media Type'],
    ['plain JSON', 'application/json', 'v1/Pod', '415: Unsupported Media Type'],
    ['a strategic merge patch of a kind without patch metadata', 'application/strategic-merge-patch+json', 'example.com/v1/Widget', ACCEPTED],
  ];
  for (const [name, contentType, kindKey, message] of refused) {
    test(`${name} is 415`, () => assert.deepEqual(failure(() => applyPatch(contentType, patchMetaFor(kindKey), pod, '{}')), { code: 415, reason: 'UnsupportedMediaType', message }));
  }

  test('a body that is not JSON is 400', () => {
    assert.deepEqual(failure(() => applyPatch('application/json-patch+json', patchMetaFor('v1/Pod'), pod, '')), { code: 400, reason: 'BadRequest', message: 'error decoding patch: unexpected end of JSON input' });
    assert.deepEqual(failure(() => applyPatch('application/strategic-merge-patch+json', patchMetaFor('v1/Pod'), pod, Buffer.alloc(0))), { code: 400, reason: 'BadRequest', message: 'unexpected end of JSON input' });
    const merge = failure(() => applyPatch('application/merge-patch+json', patchMetaFor('v1/Pod'), pod, '{'));
    assert.deepEqual([merge.code, merge.reason, merge.message.startsWith('error decoding patch: ')], [400, 'BadRequest', true]);
  });

  test('a patch that leaves no object fails decoding: 422', () => {
    assert.deepEqual(failure(() => applyPatch('application/json-patch+json', patchMetaFor('v1/Pod'), pod, [{ op: 'replace', path: '', value: [1] }])), {
      code: 422,
      reason: 'Invalid',
      message:
        ' "" is invalid: patch: Invalid value: "[1]": couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }',
    });
  });
});

describe('patch metadata follows the Go struct tags', () => {
  /** The field at a dotted path, stepping through list items. */
  function fieldAt(kindKey: string, path: string): FieldMeta | undefined {
    let type = patchMetaFor(kindKey);
    let field: FieldMeta | undefined;
    for (const name of path.split('.')) {
      field = fieldOf(type, name);
      type = field?.type?.kind === 'list' ? field.type.elem : field?.type;
    }
    return field;
  }

  const tags: Array<[string, string, string | undefined, string | undefined]> = [
    ['v1/Pod', 'metadata.ownerReferences', 'merge', 'uid'],
    ['v1/Pod', 'metadata.finalizers', 'merge', undefined],
    ['v1/Pod', 'metadata.managedFields', undefined, undefined],
    ['v1/Pod', 'spec.volumes', 'merge,retainKeys', 'name'],
    ['v1/Pod', 'spec.initContainers', 'merge', 'name'],
    ['v1/Pod', 'spec.containers', 'merge', 'name'],
    ['v1/Pod', 'spec.ephemeralContainers', 'merge', 'name'],
    ['v1/Pod', 'spec.containers.ports', 'merge', 'containerPort'],
    ['v1/Pod', 'spec.containers.env', 'merge', 'name'],
    ['v1/Pod', 'spec.containers.envFrom', undefined, undefined],
    ['v1/Pod', 'spec.containers.volumeMounts', 'merge', 'mountPath'],
    ['v1/Pod', 'spec.containers.volumeDevices', 'merge', 'devicePath'],
    ['v1/Pod', 'spec.ephemeralContainers.ports', 'merge', 'containerPort'],
    ['v1/Pod', 'spec.imagePullSecrets', 'merge', 'name'],
    ['v1/Pod', 'spec.hostAliases', 'merge', 'ip'],
    ['v1/Pod', 'spec.tolerations', undefined, undefined],
    ['v1/Pod', 'spec.readinessGates', undefined, undefined],
    ['v1/Pod', 'spec.topologySpreadConstraints', 'merge', 'topologyKey'],
    ['v1/Pod', 'spec.schedulingGates', 'merge', 'name'],
    ['v1/Pod', 'spec.resourceClaims', 'merge,retainKeys', 'name'],
    ['v1/Pod', 'status.conditions', 'merge', 'type'],
    ['v1/Pod', 'status.podIPs', 'merge', 'ip'],
    ['v1/Pod', 'status.hostIPs', 'merge', 'ip'],
    ['v1/Pod', 'status.containerStatuses', undefined, undefined],
    ['v1/Node', 'spec.podCIDRs', 'merge', undefined],
    ['v1/Node', 'spec.taints', undefined, undefined],
    ['v1/Node', 'status.conditions', 'merge', 'type'],
    ['v1/Node', 'status.addresses', 'merge', 'type'],
    ['v1/Node', 'status.images', undefined, undefined],
    ['v1/Namespace', 'spec.finalizers', undefined, undefined],
    ['v1/Namespace', 'status.conditions', 'merge', 'type'],
    ['v1/ServiceAccount', 'secrets', 'merge', 'name'],
    ['v1/ServiceAccount', 'imagePullSecrets', undefined, undefined],
    ['apps/v1/DaemonSet', 'spec.template.spec.containers.env', 'merge', 'name'],
    ['apps/v1/DaemonSet', 'spec.template.metadata.finalizers', 'merge', undefined],
    ['apps/v1/DaemonSet', 'status.conditions', 'merge', 'type'],
  ];
  for (const [kindKey, path, patchStrategy, patchMergeKey] of tags) {
    test(`${kindKey} ${path}: ${patchStrategy ?? 'atomic'}${patchMergeKey ? ` by ${patchMergeKey}` : ''}`, () => {
      const field = fieldAt(kindKey, path);
      assert.equal(field?.type?.kind, 'list');
      assert.deepEqual([field.patchStrategy, field.patchMergeKey], [patchStrategy, patchMergeKey]);
    });
  }

  test('the kinds served take strategic merge patches; others do not', () => {
    for (const kindKey of ['v1/Pod', 'v1/Node', 'v1/Namespace', 'v1/ServiceAccount', 'v1/ConfigMap', 'v1/Secret', 'v1/Event', 'apps/v1/DaemonSet', 'coordination.k8s.io/v1/Lease']) {
      assert.ok(patchMetaFor(kindKey), kindKey);
    }
    assert.equal(patchMetaFor('example.com/v1/Widget'), undefined);
  });
});

describe('the layout of a patched object, as kube-apiserver\'s patch libraries leave it', () => {
  // The order of a failure's unknown fields follows it (test/e2e/strict-fields.test.ts compares them with kube-apiserver's).
  const deepKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(deepKeys);
    if (typeof value !== 'object' || value === null) return value;
    return Object.entries(value).map(([key, item]) => [key, deepKeys(item)]);
  };

  test('a merge patch sorts the objects it opens and leaves the rest as they were', () => {
    const original = { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'l', labels: { z: '1', a: '2' } }, spec: { holderIdentity: 'h' } };
    const patched = applyMergePatch(original, { spec: { zeta: 1, alpha: { y: 1, x: 2 } } });
    assert.deepEqual(deepKeys(patched), deepKeys({
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', labels: { z: '1', a: '2' } }, spec: { alpha: { x: 2, y: 1 }, holderIdentity: 'h', zeta: 1 },
    }));
  });

  test('a JSON patch sorts the objects its paths go through and keeps the values it adds as written', () => {
    const original = { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'l' }, spec: { holderIdentity: 'h' } };
    const added = applyJsonPatch(original, [{ op: 'add', path: '/spec', value: { zeta: 1, alpha: { y: 1, x: 2 } } }]);
    assert.deepEqual(deepKeys(added), deepKeys({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { zeta: 1, alpha: { y: 1, x: 2 } } }));
    const traversed = applyJsonPatch(original, [{ op: 'add', path: '/spec', value: { zeta: 1, alpha: { y: 1, x: 2 } } }, { op: 'add', path: '/spec/alpha/w', value: 0 }]);
    assert.deepEqual(deepKeys(traversed), deepKeys({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { alpha: { w: 0, x: 2, y: 1 }, zeta: 1 } }));
  });

  test('Go\'s order of map keys is UTF-8 byte order', () => {
    const patched = applyMergePatch({}, { '\u{1F600}': 1, '\uffff': 2, é: 3, b: 4, B: 5, '': 6 }) as JsonObject;
    assert.deepEqual(Object.keys(patched), ['', 'B', 'b', 'é', '\uffff', '\u{1F600}']);
  });
});
