/**
 * Services with running HostProcess pods (issue 18), against both control planes: `hostpod up`
 * with this host as its node (root), listening on every address so that pods get the host's
 * address (and the `kubernetes` Service's endpoints name it, as kube-apiserver's advertised
 * address); and the real kube-apiserver and controller manager on the host's address, with a
 * hostpod node joined on it, whose endpoints controllers are the reference. A
 * DaemonSet with a readiness probe and the Service in front of it. `kubectl get endpoints` and
 * `get endpointslices` show the node's address and the container's port once the pod is
 * ready, move it to not ready when the probe fails, and empty when the pod goes. hostpod does
 * not proxy the Service: the test reads the endpoints, it never connects to the cluster IP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { removeAllContainers, startUp } from '../support/hostpod-up.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { startRealCluster } from '../support/real-cluster.js';
import { joinRealNode } from '../support/real-node.js';
import { BASE, rootSkip } from '../support/runtime.js';
import { hostIP } from '../../src/runtime/index.js';

const address = hostIP();
const skip = rootSkip() || kubectlSkip('1.33') || (address === '127.0.0.1' && 'this host has no address but loopback, which Endpoints may not hold');
const PORT = 18080;

/** A control plane with this host as its node, both on the host's address. */
interface Plane {
  kubeconfig: string;
  apiPort: number;
  stop(): Promise<void>;
}

const PLANES: { name: string; skip: string | false; start(dir: string): Promise<Plane> }[] = [
  {
    name: 'hostpod up',
    skip: false,
    start: async (dir) => {
      const apiPort = 17300 + Math.floor(Math.random() * 400);
      // The last --listen is the one taken: every address, so the node and the API server report the host's.
      const up = await startUp(join(dir, 'data'), apiPort, ['--listen', `0.0.0.0:${apiPort}`]);
      return {
        kubeconfig: up.kubeconfig, apiPort,
        stop: async () => {
          await up.stop();
          await removeAllContainers(join(dir, 'data'));
        },
      };
    },
  },
  {
    name: 'the real control plane',
    skip: realClusterSkip(),
    start: async (dir) => {
      const cluster = await startRealCluster({ address });
      const node = await joinRealNode(cluster, { name: 'services-node', dir: join(dir, 'node'), address, kubeletPort: 0 }).catch(async (error: unknown) => {
        await cluster.stop();
        throw error;
      });
      return {
        kubeconfig: cluster.kubeconfig, apiPort: Number(new URL(cluster.server).port),
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

for (const kind of PLANES) describe(`services with running HostProcess pods on ${kind.name}`, { skip: skip || kind.skip, timeout: 300_000 }, () => {
  let dir: string;
  let plane: Plane | undefined;
  let k: Kubectl;
  let readyFile: string;
  let apiPort: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-services-node-'));
    readyFile = join(dir, 'ready');
    plane = await kind.start(dir);
    apiPort = plane.apiPort;
    k = kubectl('1.33', plane.kubeconfig);
    const bundle = [
      {
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'agent', namespace: 'default' },
        spec: { selector: { app: 'agent' }, ports: [{ name: 'metrics', port: 80, targetPort: 'metrics' }] },
      },
      {
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: {
            metadata: { labels: { app: 'agent' } },
            spec: {
              hostNetwork: true, terminationGracePeriodSeconds: 1,
              securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
              tolerations: [{ key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' }],
              containers: [{
                name: 'main', image: BASE, command: ['/bin/sh', '-c', 'sleep 3600'],
                ports: [{ name: 'metrics', containerPort: PORT }],
                // Ready while the test's file exists: a HostProcess container sees the host's files.
                readinessProbe: { exec: { command: ['/bin/sh', '-c', `test -f ${readyFile}`] }, periodSeconds: 1, failureThreshold: 1 },
              }],
            },
          },
        },
      },
    ];
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: bundle }));
    const applied = await k('apply', '-f', join(dir, 'bundle.json'));
    assert.equal(applied.code, 0, applied.stderr);
  });

  after(async () => {
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the kubernetes Service\'s Endpoints and EndpointSlice name the API server\'s address and port, and come back when deleted', async () => {
    const wanted = `${address}:${apiPort}`;
    await eventually(async () => ((await k('get', 'endpoints', 'kubernetes', '-n', 'default')).stdout.includes(wanted) ? true : undefined), 30_000, 'the kubernetes endpoints');
    const endpoints = JSON.parse((await k('get', 'endpoints', 'kubernetes', '-n', 'default', '-o', 'json')).stdout) as Record<string, unknown>;
    assert.deepEqual((endpoints['metadata'] as { labels: unknown }).labels, { 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    assert.deepEqual(endpoints['subsets'], [{ addresses: [{ ip: address }], ports: [{ name: 'https', port: apiPort, protocol: 'TCP' }] }]);
    const slice = JSON.parse((await k('get', 'endpointslice', 'kubernetes', '-n', 'default', '-o', 'json')).stdout) as Record<string, unknown>;
    assert.deepEqual((slice['metadata'] as { labels: unknown }).labels, { 'kubernetes.io/service-name': 'kubernetes' });
    assert.deepEqual(slice['endpoints'], [{ addresses: [address], conditions: { ready: true } }]);
    assert.deepEqual(slice['ports'], [{ name: 'https', port: apiPort, protocol: 'TCP' }]);
    assert.equal((await k('delete', 'endpoints', 'kubernetes', '-n', 'default')).code, 0);
    await eventually(async () => ((await k('get', 'endpoints', 'kubernetes', '-n', 'default')).stdout.includes(wanted) ? true : undefined), 30_000, 'the kubernetes endpoints put back');
  });

  const jsonpath = async (what: string, path: string): Promise<string> => (await k('get', what, '-o', `jsonpath=${path}`)).stdout.trim();

  test('a running pod that is not ready is a not-ready address: the node\'s, with the container\'s port', async () => {
    await eventually(async () => ((await jsonpath('endpoints/agent', '{.subsets[0].notReadyAddresses[0].ip}')) === address ? true : undefined), 90_000, 'the not-ready address');
    assert.equal(await jsonpath('endpoints/agent', '{.subsets[0].ports[0].port}'), String(PORT));
    assert.equal(await jsonpath('endpoints/agent', '{.subsets[0].addresses}'), '');
    const slice = await eventually(async () => {
      const text = await jsonpath('endpointslices', '{.items[?(@.metadata.labels.kubernetes\\.io/service-name=="agent")].endpoints[0].conditions.ready}');
      return text === 'false' ? text : undefined;
    }, 30_000, 'the slice\'s not-ready endpoint');
    assert.equal(slice, 'false');
    const table = await k('get', 'endpoints', 'agent');
    // kubectl lists ready addresses only: none here (an empty column, as printEndpoints leaves it).
    assert.doesNotMatch(table.stdout, new RegExp(address.replaceAll('.', '\\.')));
    assert.match(table.stdout, /^agent\s+\d+s\s*$/m);
  });

  test('when the readiness probe passes, kubectl shows ADDRESS:PORT in endpoints and endpointslices', async () => {
    writeFileSync(readyFile, '');
    await eventually(async () => ((await jsonpath('endpoints/agent', '{.subsets[0].addresses[0].ip}')) === address ? true : undefined), 30_000, 'the ready address');
    const table = await k('get', 'endpoints', 'agent');
    assert.match(table.stdout, new RegExp(`^agent\\s+${address.replaceAll('.', '\\.')}:${PORT}\\s+`, 'm'));
    const slices = await eventually(async () => {
      const result = await k('get', 'endpointslices', '-l', 'kubernetes.io/service-name=agent', '-o', 'json');
      const items = (JSON.parse(result.stdout) as { items: { endpoints: { addresses: string[]; conditions: { ready: boolean }; nodeName: string; targetRef: { name: string } }[] | null; ports: { name: string; port: number }[] | null }[] }).items;
      return items[0]?.endpoints?.[0]?.conditions.ready ? items[0] : undefined;
    }, 30_000, 'the slice\'s ready endpoint');
    assert.deepEqual(slices.endpoints![0]!.addresses, [address]);
    assert.deepEqual(slices.ports, [{ name: 'metrics', port: PORT, protocol: 'TCP' }]);
    const nodeName = (await k('get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}')).stdout.trim();
    assert.equal(slices.endpoints![0]!.nodeName, nodeName);
    assert.match(slices.endpoints![0]!.targetRef.name, /^agent-/);
    const table2 = await k('get', 'endpointslices', '-l', 'kubernetes.io/service-name=agent');
    assert.match(table2.stdout, new RegExp(`IPv4\\s+${PORT}\\s+${address.replaceAll('.', '\\.')}\\s+`));
  });

  test('when the probe fails again, the address moves back to not ready', async () => {
    unlinkSync(readyFile);
    await eventually(async () => ((await jsonpath('endpoints/agent', '{.subsets[0].notReadyAddresses[0].ip}')) === address ? true : undefined), 30_000, 'the address not ready again');
    assert.equal(await jsonpath('endpointslices', '{.items[?(@.metadata.labels.kubernetes\\.io/service-name=="agent")].endpoints[0].conditions.ready}'), 'false');
  });

  test('when the pods go, the endpoints are empty and the slice has none', async () => {
    assert.equal((await k('delete', 'daemonset', 'agent')).code, 0);
    await eventually(async () => ((await jsonpath('endpoints/agent', '{.subsets}')) === '' ? true : undefined), 60_000, 'the endpoints emptied');
    await eventually(async () => {
      const result = await k('get', 'endpointslices', '-l', 'kubernetes.io/service-name=agent', '-o', 'jsonpath={.items[0].endpoints}');
      return result.code === 0 && ['', 'null'].includes(result.stdout.trim()) ? true : undefined;
    }, 30_000, 'the slice emptied');
    assert.equal((await k('delete', 'service', 'agent')).code, 0);
    await eventually(async () => ((await k('get', 'endpoints', 'agent')).code !== 0 ? true : undefined), 30_000, 'the endpoints gone with the service');
  });
});
