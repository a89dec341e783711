/**
 * RBAC from inside a HostProcess workload (issue 18), against both control planes: `hostpod up`
 * with its own node, and the real kube-apiserver with a hostpod node joined to it. The real kubectl
 * run in a pod's container finds the API server and its service account's token by itself
 * (in-cluster configuration) and is authorized by RBAC as that account. A pod whose account a
 * ClusterRoleBinding grants `list nodes` lists them; one whose account holds no such role gets
 * kube-apiserver's 403, the same on both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { removeAllContainers, startUp } from '../support/hostpod-up.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { freePort, startRealCluster } from '../support/real-cluster.js';
import { joinRealNode } from '../support/real-node.js';
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

/** A control plane with one hostpod node. */
interface Plane {
  kubeconfig: string;
  log(): string;
  stop(): Promise<void>;
}

const PLANES: { name: string; skip: string | false; start(dir: string): Promise<Plane> }[] = [
  {
    name: 'hostpod up',
    skip: false,
    start: async (dir) => {
      const up = await startUp(dir, await freePort());
      return {
        kubeconfig: up.kubeconfig, log: () => up.log(),
        stop: async () => {
          await up.stop();
          await removeAllContainers(dir);
        },
      };
    },
  },
  {
    name: 'the real control plane',
    skip: realClusterSkip(),
    start: async (dir) => {
      const cluster = await startRealCluster();
      const node = await joinRealNode(cluster, { name: 'rbac-node', dir: join(dir, 'node'), address: '127.0.0.1', kubeletPort: 0 }).catch(async (error: unknown) => {
        await cluster.stop();
        throw error;
      });
      return {
        kubeconfig: cluster.kubeconfig, log: () => node.output(),
        stop: async () => {
          try {
            await node.remove();
          } finally {
            await cluster.stop();
          }
        },
      };
    },
  },
];

for (const plane of PLANES) describe(`RBAC inside a HostProcess pod, against ${plane.name}`, { skip: skip || plane.skip, timeout: 300_000 }, () => {
  let dir: string;
  let started: Plane | undefined;
  let k: Kubectl;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-rbac-pod-'));
    started = await plane.start(dir);
    k = kubectl('1.33', started.kubeconfig);
    const file = join(dir, 'grant.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: GRANT }));
    // The real controller manager makes the default account in its own time; the pods wait for it.
    const applied = await k('apply', '-f', file);
    assert.equal(applied.code, 0, applied.stderr);
    const ready = await k('wait', '--for=condition=Ready', 'pod/node-watcher', 'pod/bystander', '--timeout=120s');
    assert.equal(ready.code, 0, `${ready.stderr}\n${started.log().slice(-3000)}`);
  });
  after(async () => {
    await started?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
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
