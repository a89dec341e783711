/**
 * `kubectl port-forward` to a HostProcess pod that runs a small HTTP server, against both control
 * planes: `hostpod up` (its API server translates kubectl's WebSocket tunnel itself), and the
 * real kube-apiserver with a hostpod node (kube-apiserver translates it and reaches the agent's
 * kubelet endpoint over SPDY). Each kubectl protocol: 1.32 and 1.33 tunnel SPDY in a WebSocket,
 * 1.27 and 1.32 with KUBECTL_PORT_FORWARD_WEBSOCKETS=false speak SPDY. The pod's network is the
 * host's: its server listens on a port of this host.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { nodePlanes, type NodePlane } from '../support/node-planes.js';
import { ECHO_SERVER_SCRIPT, exerciseForward, fetchLocal, startPortForward } from '../support/port-forward.js';
import { closedPort, freePort } from '../support/real-cluster.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.27') || kubectlSkip('1.32') || kubectlSkip('1.33');
const BASE = 'localhost/hostprocess-base:latest';
const TOLERATION = { key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' };

const CLIENTS = [
  { name: 'kubectl 1.32 (SPDY tunneled in a WebSocket)', version: '1.32', env: {} },
  { name: 'kubectl 1.33 (SPDY tunneled in a WebSocket)', version: '1.33', env: {} },
  { name: 'kubectl 1.27 (SPDY)', version: '1.27', env: {} },
  { name: 'kubectl 1.32, KUBECTL_PORT_FORWARD_WEBSOCKETS=false (SPDY)', version: '1.32', env: { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } },
];


for (const plane of nodePlanes('pf-node')) describe(`kubectl port-forward to a HostProcess pod, against ${plane.name}`, { skip: skip || plane.skip, timeout: 600_000 }, () => {
  let dir: string;
  let started: NodePlane | undefined;
  let k: Kubectl;
  let serverPort: number;
  let secondPort: number;
  const pod = `web-${randomBytes(3).toString('hex')}`;
  let uid: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-pf-'));
    started = await plane.start(dir);
    k = kubectl('1.33', started.kubeconfig);
    serverPort = await freePort();
    secondPort = await freePort();
    const file = join(dir, 'pod.json');
    const server = (port: number): string[] => [process.execPath, '-e', ECHO_SERVER_SCRIPT, String(port)];
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{
      apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, labels: { app: pod } },
      spec: {
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
        hostNetwork: true,
        tolerations: [TOLERATION],
        terminationGracePeriodSeconds: 2,
        containers: [{ name: 'server', image: BASE, command: server(serverPort) }, { name: 'second', image: BASE, command: server(secondPort) }],
      },
    }, {
      // kubectl port-forward svc/NAME picks a pod by the selector and maps the port to its targetPort.
      apiVersion: 'v1', kind: 'Service', metadata: { name: pod },
      spec: { selector: { app: pod }, ports: [{ port: 80, targetPort: serverPort }] },
    }] }));
    const applied = await k('apply', '-f', file);
    assert.equal(applied.code, 0, applied.stderr);
    for (const [container, port] of [['server', serverPort], ['second', secondPort]] as const) {
      await eventually(async () => ((await k('logs', pod, '-c', container)).stdout.includes(`listening on ${port}`) ? true : undefined), 90_000, `the pod's ${container} to listen`);
    }
    uid = (await k('get', 'pod', pod, '-o', 'jsonpath={.metadata.uid}')).stdout;
    assert.ok(uid);
  });
  after(async () => {
    if (started) await k('delete', 'pod,service', pod, '--wait=false');
    await started?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const client of CLIENTS) {
    test(`${client.name}: requests, eight concurrent connections, 8 MiB each way`, async () => {
      const forward = await startPortForward(kubectl(client.version, started!.kubeconfig), ['-v=4', `pod/${pod}`, `:${serverPort}`], client.env);
      try {
        await exerciseForward(forward.port, serverPort);
      } finally {
        await forward.stop();
      }
      // A WebSocket that failed would fall back to SPDY and pass: the tunnel must be what carried it.
      assert.doesNotMatch(forward.output(), /fallback to secondary dialer/);
    });
  }

  test('two ports in one kubectl port-forward (the pod\'s two containers\' servers), and svc/NAME through its targetPort', async () => {
    const both = await startPortForward(kubectl('1.32', started!.kubeconfig), [`pod/${pod}`, `:${serverPort}`, `:${secondPort}`], {}, 2);
    try {
      const answers = await Promise.all([serverPort, secondPort].map((port) => fetchLocal(both.ports.get(port)!, '/hello')));
      assert.deepEqual(answers.map((a) => a.body.toString('utf8')), [`hello from ${serverPort}`, `hello from ${secondPort}`]);
    } finally {
      await both.stop();
    }
    const service = await startPortForward(kubectl('1.33', started!.kubeconfig), [`svc/${pod}`, ':80']);
    try {
      assert.match(service.output(), new RegExp(`-> ${serverPort}`));
      assert.equal((await fetchLocal(service.port, '/hello')).body.toString('utf8'), `hello from ${serverPort}`);
    } finally {
      await service.stop();
    }
  });

  test('a port nobody listens on: kubectl prints the error naming the port, the pod and its uid', async () => {
    const closed = await closedPort();
    const forward = await startPortForward(kubectl('1.32', started!.kubeconfig), [`pod/${pod}`, `:${closed}`]);
    try {
      await assert.rejects(fetchLocal(forward.port, '/hello'));
      await eventually(() => (forward.output().includes('connection refused') ? true : undefined), 10_000, 'kubectl to print the error');
    } finally {
      await forward.stop();
    }
    assert.match(forward.output(), new RegExp(`an error occurred forwarding ${forward.port} -> ${closed}: error forwarding port ${closed} to pod ${pod}_default, uid ${uid}: `
      + `failed to execute portforward in network namespace \\\\?"host\\\\?": IPv4: dial tcp4 127\\.0\\.0\\.1:${closed}: connect: connection refused`));
  });
});
