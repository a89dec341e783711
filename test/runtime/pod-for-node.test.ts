import assert from 'node:assert/strict';
import { test } from 'node:test';
import { podForNode } from '../../src/runtime/pod-for-node.js';

function daemonSet(spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'main', image: 'x' }], ...spec } } },
  };
}

const affinity = (key: string, operator: string, values: string[]) => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator, values }] }] } } },
});

test('hostpod run places a DaemonSet\'s pod here as the DaemonSet controller would: nodeSelector and required node affinity', () => {
  const pod = podForNode(daemonSet({ nodeSelector: { 'kubernetes.io/os': 'linux' }, ...affinity('kubernetes.io/hostname', 'In', ['box-1', 'box-2']) }), 'box-2');
  assert.equal(pod.spec?.nodeName, 'box-2');
  assert.match(pod.metadata?.name ?? '', /^agent-[a-z0-9]{5}$/);
  assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'DaemonSet');

  assert.throws(() => podForNode(daemonSet({ nodeSelector: { 'kubernetes.io/os': 'windows' } }), 'box-2'),
    /daemonset "agent" would create no pod on this node: its nodeSelector kubernetes\.io\/os=windows does not match \(this node has kubernetes\.io\/os=linux\)/);
  // Before, only the nodeSelector was read: this DaemonSet ran on a node its affinity excludes.
  assert.throws(() => podForNode(daemonSet(affinity('kubernetes.io/hostname', 'In', ['box-1'])), 'box-2'), (error: Error & { hint?: string }) => {
    assert.match(error.message, /^daemonset "agent" would create no pod on this node: spec\.template\.spec\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution matches none of its labels \(.*kubernetes\.io\/hostname=box-2/);
    assert.match(error.hint ?? '', /required node affinity/);
    return true;
  });
  assert.throws(() => podForNode(daemonSet(affinity('kubernetes.io/os', 'NotIn', ['linux'])), 'box-2'), /would create no pod on this node/);
});
