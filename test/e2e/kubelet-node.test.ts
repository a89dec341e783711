/**
 * A real kubelet node (issue 21), the peer hostpod nodes are compared with: containerd and runc
 * with the real kubelet of the control plane's release, joined by TLS bootstrapping to the real
 * cluster. It registers and becomes Ready, and a privileged hostNetwork pod that runs the host's
 * shell (chroot into a hostPath of /) runs on it and prints the host's hostname, read back with
 * the real kubectl's `logs`. `stop()` leaves no process, mount, cgroup or file of it behind.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { createHosts, type HostNetwork } from '../support/hosts.js';
import { componentVersions, realClusterSkip } from '../support/kube-binaries.js';
import { kubeletNodeSkip, kubeletNodeVersions } from '../support/kubelet-binaries.js';
import { BUSYBOX_IMAGE } from '../support/kubelet-node-images.js';
import { joinKubeletNode, running, type KubeletNode } from '../support/kubelet-node.js';
import { startRealCluster, type RealCluster } from '../support/real-cluster.js';

const skip = realClusterSkip() || kubeletNodeSkip() || kubectlSkip('1.32');
const NODE = 'kubelet-a';

describe('a real kubelet + containerd node in the real cluster', { skip }, () => {
  let cluster: RealCluster;
  let node: KubeletNode | undefined;
  let k: Kubectl;
  let network: HostNetwork | undefined;

  before(async () => {
    process.stdout.write(`# ${`${componentVersions()}\n${kubeletNodeVersions()}`.split('\n').join('\n# ')}\n`);
    // The kubelet refuses a loopback node IP: the node gets a host (network namespace) of its own.
    network = createHosts([NODE]);
    cluster = await startRealCluster({ address: network.gateway });
    k = kubectl('1.32', cluster.kubeconfig);
    const host = network.hosts[0]!;
    node = await joinKubeletNode(cluster, { name: NODE, address: host.address, enter: network.enter(host) });
  });

  after(async () => {
    const dir = node?.dir;
    await node?.stop();
    await cluster?.stop();
    network?.remove();
    if (dir) assert.equal(existsSync(dir), false, `the node's directory ${dir} is left behind`);
  });

  test('registers with its name and address, Ready, by a certificate the cluster signed', async () => {
    const got = await k('get', 'node', NODE, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.addresses[?(@.type=="InternalIP")].address} {.status.nodeInfo.kubeletVersion} {.status.nodeInfo.containerRuntimeVersion}');
    assert.equal(got.code, 0, got.stderr);
    const [ready, ip, version, runtime] = got.stdout.split(' ');
    assert.equal(ready, 'True');
    assert.equal(ip, network!.hosts[0]!.address);
    assert.match(version ?? '', /^v1\.\d+\.\d+$/);
    assert.match(runtime ?? '', /^containerd:\/\//);
    const csrs = await k('get', 'csr', '-o', 'jsonpath={range .items[*]}{.spec.username} {.status.conditions[0].type}{"\\n"}{end}');
    assert.match(csrs.stdout, /system:bootstrap:\w+ Approved/);
  });

  test('runs a privileged hostNetwork pod with the host\'s shell, whose log is the host\'s hostname', async () => {
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'host-shell', namespace: 'default' },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': NODE },
        hostNetwork: true,
        terminationGracePeriodSeconds: 0,
        volumes: [{ name: 'host', hostPath: { path: '/' } }],
        containers: [{
          name: 'shell', image: BUSYBOX_IMAGE, imagePullPolicy: 'Never',
          securityContext: { privileged: true },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
          command: ['chroot', '/host', '/bin/sh', '-c', 'cat /proc/sys/kernel/hostname; exec sleep 100000'],
        }],
      },
    };
    const created = await cluster.call('POST', '/api/v1/namespaces/default/pods', pod);
    assert.equal(created.status, 201, created.body);
    await eventually(async () => {
      const phase = await k('get', 'pod', 'host-shell', '-o', 'jsonpath={.status.phase}');
      return phase.stdout === 'Running' ? true : undefined;
    }, 60_000, `pod host-shell Running on ${NODE}`).catch((error: Error) => {
      throw new Error(`${error.message}\n--- kubelet\n${node?.logTail('kubelet', 80)}\n--- containerd\n${node?.logTail('containerd', 40)}`);
    });
    const logs = await eventually(async () => {
      const got = await k('logs', 'host-shell');
      return got.code === 0 && got.stdout.trim() !== '' ? got : undefined;
    }, 20_000, 'kubectl logs host-shell');
    assert.equal(logs.stdout.trim(), hostname());
    assert.ok(node!.shimPids().length >= 1, 'a containerd shim runs the pod');
  });

  test('stop() leaves no shim, cgroup or mount of the node behind', async () => {
    const dir = node!.dir;
    const shims = node!.shimPids();
    const cgroupRoot = node!.cgroupRoot;
    await node!.stop();
    node = undefined;
    assert.deepEqual(shims.filter(running), [], 'containerd shims are left running');
    assert.equal(existsSync(dir), false);
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(dir), false, `mounts under ${dir} are left`);
    for (const hierarchy of ['pids', 'memory', 'cpu']) assert.equal(existsSync(`/sys/fs/cgroup/${hierarchy}${cgroupRoot}`), false, `cgroup ${hierarchy}${cgroupRoot} is left`);
  });
});
