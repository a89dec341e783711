/**
 * RBAC from inside a HostProcess workload (issue 18): on `hostpod up`'s own node, the real kubectl
 * run in a pod's container finds the API server and its service account's token by itself
 * (in-cluster configuration) and is authorized by RBAC as that account. A pod whose account a
 * ClusterRoleBinding grants `list nodes` lists them; one whose account holds no such role gets
 * kube-apiserver's 403. parity-rbac.test.ts shows the real control plane answering the same
 * requests the same way.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { freePort } from '../support/real-cluster.js';
import { BASE, rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.33');
/** hostpod nodes' taint (node-taints.ts): HostProcess workloads tolerate it. */
const TOLERATION = { key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' };

function workload(account: string): Record<string, unknown> {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: account, namespace: 'default' },
    spec: {
      serviceAccountName: account,
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      hostNetwork: true, tolerations: [TOLERATION], terminationGracePeriodSeconds: 2,
      containers: [{ name: 'main', image: BASE, command: ['/bin/sh', '-c', 'sleep 600'] }],
    },
  };
}

const GRANT = [
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'node-watcher', namespace: 'default' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bystander', namespace: 'default' } },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'node-lister' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }] },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'node-watcher' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-lister' },
    subjects: [{ kind: 'ServiceAccount', name: 'node-watcher', namespace: 'default' }],
  },
  workload('node-watcher'),
  workload('bystander'),
];

describe('RBAC inside a HostProcess pod on hostpod up', { skip, timeout: 300_000 }, () => {
  let dir: string;
  let up: UpProcess | undefined;
  let k: Kubectl;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-rbac-pod-'));
    up = await startUp(dir, await freePort());
    k = kubectl('1.33', up.kubeconfig);
    const file = join(dir, 'grant.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: GRANT }));
    const applied = await k('apply', '-f', file);
    assert.equal(applied.code, 0, applied.stderr);
    const ready = await k('wait', '--for=condition=Ready', 'pod/node-watcher', 'pod/bystander', '--timeout=120s');
    assert.equal(ready.code, 0, `${ready.stderr}\n${up.log().slice(-3000)}`);
  });
  after(async () => {
    await up?.stop();
    if (dir) {
      await removeAllContainers(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a workload whose ClusterRole allows list nodes lists them with the real kubectl in its container', async () => {
    const listed = await k('exec', 'node-watcher', '--', k.binary, 'get', 'nodes', '-o', 'name');
    assert.equal(listed.code, 0, listed.stderr);
    const nodes = await k('get', 'nodes', '-o', 'name');
    assert.match(listed.stdout, /^node\/\S+\n$/);
    assert.equal(listed.stdout, nodes.stdout);
    const canI = await k('exec', 'node-watcher', '--', k.binary, 'auth', 'can-i', 'list', 'nodes');
    assert.equal(canI.stdout, 'yes\n', canI.stderr);
    // The role grants list, nothing else.
    const name = nodes.stdout.trim().slice('node/'.length);
    const get = await k('exec', 'node-watcher', '--', k.binary, 'get', 'node', name);
    assert.match(get.stdout + get.stderr, new RegExp(`nodes "${name}" is forbidden: User "system:serviceaccount:default:node-watcher" cannot get resource "nodes" in API group "" at the cluster scope`));
  });

  test('a workload whose role does not allow it gets kube-apiserver\'s 403', async () => {
    const refused = await k('exec', 'bystander', '--', k.binary, 'get', 'nodes');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /Error from server \(Forbidden\): nodes is forbidden: User "system:serviceaccount:default:bystander" cannot list resource "nodes" in API group "" at the cluster scope/);
    const canI = await k('exec', 'bystander', '--', k.binary, 'auth', 'can-i', 'list', 'nodes');
    assert.equal(canI.stdout, 'no\n');
  });
});
