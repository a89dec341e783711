/** The kubelet's admission of a pod bound to a hostpod node. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { admitToNode } from '../../src/node/pod-admission.js';

const node = {
  metadata: { name: 'n1', labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': 'n1' } },
  spec: {},
  status: { allocatable: { cpu: '2', memory: '4Gi', pods: '3' }, conditions: [{ type: 'Ready', status: 'True' }] },
};
const hostProcess = { hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } } };
const pod = (spec: Record<string, unknown> = {}, requests?: Record<string, string>) => ({
  metadata: { name: 'p', namespace: 'default' },
  spec: { ...hostProcess, containers: [{ name: 'c', image: 'i', ...(requests ? { resources: { requests } } : {}) }], ...spec },
});

describe('node admission', () => {
  test('admits a HostProcess pod that fits', () => {
    assert.equal(admitToNode(pod(), node, []), undefined);
  });

  test('refuses another OS, by spec.os or by the kubernetes.io/os selector', () => {
    assert.deepEqual(admitToNode(pod({ os: { name: 'windows' } }), node, []), { reason: 'PodOSNotSupported', message: "Failed to admit pod as the OS field doesn't match node OS" });
    assert.equal(admitToNode(pod({ nodeSelector: { 'kubernetes.io/os': 'windows' } }), node, [])?.reason, 'PodOSSelectorNodeLabelDoesNotMatch');
  });

  test('refuses a pod that is not HostProcess, saying that hostpod runs only those', () => {
    const rejection = admitToNode({ metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, node, []);
    assert.equal(rejection?.reason, 'NotHostProcess');
    assert.match(rejection?.message ?? '', /^hostpod runs only HostProcess pods: set spec.securityContext.windowsOptions.hostProcess: true/);
  });

  test('refuses by node affinity, NoExecute taints and resources, with the kubelet\'s reasons', () => {
    assert.deepEqual(admitToNode(pod({ nodeSelector: { disk: 'ssd' } }), node, []), { reason: 'NodeAffinity', message: 'Predicate NodeAffinity failed' });
    const tainted = { ...node, spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } };
    assert.equal(admitToNode(pod(), tainted, [])?.reason, 'TaintToleration');
    assert.equal(admitToNode(pod({ tolerations: [{ key: 'maintenance', operator: 'Exists' }] }), tainted, []), undefined);
    assert.deepEqual(admitToNode(pod({}, { cpu: '1500m' }), node, [pod({}, { cpu: '1' })]),
      { reason: 'OutOfcpu', message: "Node didn't have enough resource: cpu, requested: 1500, used: 1000, capacity: 2000" });
    assert.equal(admitToNode(pod({}, { memory: '5Gi' }), node, [])?.reason, 'OutOfmemory');
    assert.deepEqual(admitToNode(pod(), node, [pod(), pod(), pod()]), { reason: 'OutOfpods', message: "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3" });
    const finished = { ...pod(), status: { phase: 'Succeeded' } };
    assert.equal(admitToNode(pod(), node, [finished, finished, finished]), undefined);
  });
});
