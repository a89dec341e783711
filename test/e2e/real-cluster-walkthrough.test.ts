/**
 * The seeds' walkthrough against the real control plane (issue 15): a hostpod node joined by TLS
 * bootstrapping runs the DaemonSet's pod, and `kubectl logs` and `kubectl exec` reach it through
 * the real API server's proxy to the node's kubelet endpoint.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { componentVersions, realClusterSkip } from '../support/kube-binaries.js';
import { startRealCluster, type RealCluster } from '../support/real-cluster.js';
import { joinRealNode, type RealNode } from '../support/real-node.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || realClusterSkip() || kubectlSkip('1.33');
const EXAMPLE = join(import.meta.dirname, '../../examples/hostprocess.yaml');

describe('the walkthrough against the real control plane', { skip, timeout: 300_000 }, () => {
  let cluster: RealCluster;
  let node: RealNode | undefined;
  let k: Kubectl;
  const base = mkdtempSync(join(tmpdir(), 'hostpod-real-walk-'));
  before(async () => {
    process.stdout.write(`# ${componentVersions().split('\n').join('\n# ')}\n`);
    cluster = await startRealCluster();
    node = await joinRealNode(cluster, { name: 'walker', dir: join(base, 'walker'), address: '127.0.0.1', kubeletPort: 0 });
    k = kubectl('1.33', cluster.kubeconfig);
  });
  after(async () => {
    try {
      await node?.remove();
    } finally {
      await cluster?.stop();
    }
    rmSync(base, { recursive: true, force: true });
  });

  test('kubectl apply, get, logs and exec of the seeds\' DaemonSet on a hostpod node of the real cluster', async () => {
    const applied = await k('apply', '-f', EXAMPLE);
    assert.equal(applied.code, 0, applied.stderr);
    const name = await eventually(async () => {
      const out = (await k('get', 'pods', '-n', 'kube-system', '-l', 'app=privileged-daemonset', '--no-headers')).stdout;
      return /^(\S+)\s+1\/1\s+Running\s+0\s/m.exec(out)?.[1];
    }, 90_000, `the pod to run (${node?.output() ?? ''})`);
    const logs = await eventually(async () => {
      const out = await k('logs', name, '-n', 'kube-system');
      return out.stdout.includes('Process has admin rights: True') ? out.stdout : undefined;
    }, 30_000, 'the log');
    assert.match(logs, /^Process has admin rights: True$/m);
    const exec = await k('exec', name, '-n', 'kube-system', '--', 'sh', '-c', 'echo "$CONTAINER_SANDBOX_MOUNT_POINT" $(id -u)');
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout.trim(), '/hpc/ 0');
    assert.doesNotMatch(node?.output() ?? '', /forbidden|\b403\b/i, 'the agent stays within the Node authorizer and NodeRestriction');
  });
});
