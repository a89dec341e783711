/**
 * The real control plane the tests use as peer and oracle (issue 15): built from the Go module
 * proxy by scripts/build-kubernetes.sh, started as kubeadm configures it, driven by the real
 * kubectl, and stopped without leaving a process or a file behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { kubectl, kubectlSkip } from '../support/controlplane.js';
import { componentVersions, kubeBinDir, realClusterSkip } from '../support/kube-binaries.js';
import { startRealCluster, type RealCluster } from '../support/real-cluster.js';

const skip = realClusterSkip() || kubectlSkip('1.33');

describe('the real control plane', { skip, timeout: 180_000 }, () => {
  let cluster: RealCluster;
  before(async () => {
    process.stdout.write(`# ${componentVersions().split('\n').join('\n# ')}\n`);
    cluster = await startRealCluster();
    process.stdout.write(`# real control plane ready in ${cluster.startedInMs} ms at ${cluster.server}\n`);
  });
  after(async () => {
    await cluster?.stop();
  });

  test('real control plane serves the real kubectl as kubeadm sets it up: Node,RBAC, NodeRestriction, Pod Security, bootstrap RBAC', async () => {
    const k = kubectl('1.33', cluster.kubeconfig);
    const version = await k('version', '-o', 'json');
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /"gitVersion": "v1\.3[6-9]\.\d+"/);
    const bindings = await k('get', 'clusterrolebindings', '-o', 'name');
    for (const name of ['kubeadm:kubelet-bootstrap', 'kubeadm:node-autoapprove-bootstrap', 'kubeadm:node-autoapprove-certificate-rotation']) {
      assert.ok(bindings.stdout.includes(`clusterrolebinding.rbac.authorization.k8s.io/${name}`), `${name} in ${bindings.stdout}`);
    }
    // Pod Security is on: a privileged label is needed for HostProcess pods, as on a real cluster.
    const denied = await k('run', 'hp', '--image=busybox', '--dry-run=server', '--overrides={"spec":{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}}}}', '-n', 'default');
    assert.equal(denied.code, 0, denied.stderr);
    const label = await k('label', 'namespace', 'default', 'pod-security.kubernetes.io/enforce=baseline');
    assert.equal(label.code, 0, label.stderr);
    const refused = await k('run', 'hp', '--image=busybox', '--dry-run=server', '--overrides={"spec":{"hostNetwork":true,"securityContext":{"windowsOptions":{"hostProcess":true}}}}', '-n', 'default');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\), hostProcess/);
  });

  test('real control plane stops without leaving a process behind', async () => {
    const other = await startRealCluster();
    await other.stop();
    // Processes of the built components whose command line names a cluster's directory: other
    // clusters on this machine (another suite's, another checkout's) are not this test's business.
    const processesOf = (dir: string): string[] => {
      try {
        return execFileSync('pgrep', ['-f', `${kubeBinDir()}.*${dir}`], { encoding: 'utf8' }).trim().split('\n').filter((line) => line !== '');
      } catch {
        return [];
      }
    };
    assert.deepEqual(processesOf(other.files.dir), [], 'the stopped control plane left no process');
    // The suite's own cluster still runs: its four processes.
    assert.equal(processesOf(cluster.files.dir).length, 4, `processes of the suite's cluster: ${processesOf(cluster.files.dir).join(', ')}`);
    assert.equal(existsSync(other.files.dir), false);
  });
});
