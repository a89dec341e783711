/**
 * `kubectl port-forward` through `hostpod up`'s API server to a node's kubelet endpoint, with the
 * real kubectl of each protocol: 1.32 and 1.33 tunnel SPDY through a WebSocket (checked: no
 * fallback), 1.27 and 1.32 with KUBECTL_PORT_FORWARD_WEBSOCKETS=false speak SPDY. The pod's
 * network is the host's, so its server is a process on this host.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { api, kubectl, kubectlSkip, startControlPlane, type Kubectl, type StartedPlane } from '../support/controlplane.js';
import { startTestKubelet, type StartedKubelet } from '../support/kubelet-endpoint.js';
import { ECHO_SERVER_SCRIPT, exerciseForward, fetchLocal, startPortForward } from '../support/port-forward.js';
import { closedPort, freePort } from '../support/real-cluster.js';

const CLIENTS = [
  { name: 'kubectl 1.32 (SPDY tunneled in a WebSocket)', version: '1.32', env: {}, tunnel: true },
  { name: 'kubectl 1.33 (SPDY tunneled in a WebSocket)', version: '1.33', env: {}, tunnel: true },
  { name: 'kubectl 1.27 (SPDY)', version: '1.27', env: {}, tunnel: false },
  { name: 'kubectl 1.32 with KUBECTL_PORT_FORWARD_WEBSOCKETS=false (SPDY)', version: '1.32', env: { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, tunnel: false },
];
const skip = kubectlSkip('1.27') || kubectlSkip('1.32') || kubectlSkip('1.33');

describe('kubectl port-forward through hostpod\'s API server', { skip, timeout: 300_000 }, () => {
  let started: StartedPlane;
  let kubelet: StartedKubelet;
  let server: ChildProcess;
  let serverPort: number;
  const ns = `pf-${randomBytes(3).toString('hex')}`;
  const uid = `uid-${randomBytes(4).toString('hex')}`;

  before(async () => {
    started = await startControlPlane();
    kubelet = await startTestKubelet(started.plane, started.dir, 'node-pf');
    serverPort = await freePort();
    server = spawn(process.execPath, ['-e', ECHO_SERVER_SCRIPT, String(serverPort)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`the test server exited ${code}`)));
    });
    const k = kubectl('1.33', started.kubeconfig);
    assert.equal((await k('create', 'namespace', ns)).code, 0);
    // web runs on the node; elsewhere is bound to it but the node runs no such pod; unbound fits no node.
    for (const [name, spec] of [['web', { nodeName: 'node-pf' }], ['elsewhere', { nodeName: 'node-pf' }], ['unbound', { nodeSelector: { 'no-such-label': 'x' } }]] as const) {
      const created = await api(started.plane, 'POST', `/api/v1/namespaces/${ns}/pods`, {
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...spec, containers: [{ name: 'server', image: 'busybox' }] } },
      });
      assert.equal(created.status, 201, created.body);
    }
    // kubectl forwards only to a Running pod.
    const running = await api(started.plane, 'PATCH', `/api/v1/namespaces/${ns}/pods/web/status`, {
      contentType: 'application/merge-patch+json', body: { status: { phase: 'Running' } },
    });
    assert.equal(running.status, 200, running.body);
    // A user who may read pods but not forward to them.
    for (const args of [['create', 'role', 'pod-reader', '--verb=get', '--resource=pods'], ['create', 'rolebinding', 'someone-reads', '--role=pod-reader', '--user=someone']]) {
      const made = await k(...args, '-n', ns);
      assert.equal(made.code, 0, made.stderr);
    }
    kubelet.backend.add({ namespace: ns, pod: 'web', container: 'server' });
    kubelet.backend.uids.set(`${ns}/web`, uid);
  });
  after(async () => {
    server?.kill();
    await kubelet?.stop();
    await started?.stop();
  });

  for (const client of CLIENTS) {
    test(`${client.name}: requests, concurrent connections, 8 MiB each way`, async () => {
      const k = kubectl(client.version, started.kubeconfig);
      // -v=4 shows client-go's fallback from the WebSocket to SPDY, which would hide a broken tunnel.
      const forward = await startPortForward(k, ['-v=4', '-n', ns, 'pod/web', `:${serverPort}`], client.env);
      try {
        await exerciseForward(forward.port, serverPort);
      } finally {
        await forward.stop();
      }
      assert.doesNotMatch(forward.output(), /fallback to secondary dialer/, 'kubectl kept the protocol it began with');
      if (client.tunnel) assert.doesNotMatch(forward.output(), /falling back|SPDY/i);
    });
  }

  test('a port nobody listens on: kubectl prints the kubelet\'s error naming the port, the pod and its uid', async () => {
    const closed = await closedPort();
    for (const [version, env] of [['1.33', {}], ['1.27', {}]] as const) {
      const forward = await startPortForward(kubectl(version, started.kubeconfig), ['-n', ns, 'pod/web', `:${closed}`], env);
      try {
        await assert.rejects(fetchLocal(forward.port, '/hello'));
        await waitFor(() => forward.output().includes('connection refused'), 10_000);
      } finally {
        await forward.stop();
      }
      assert.match(forward.output(), new RegExp(`error forwarding port ${closed} to pod web_${ns}, uid ${uid}: failed to execute portforward in network namespace \\\\?"host\\\\?": IPv4: dial tcp4 127\\.0\\.0\\.1:${closed}: connect: connection refused IPv6: dial tcp6 \\[::1\\]:${closed}: connect: (connection refused|cannot assign requested address)`));
      assert.match(forward.output(), /a HostProcess pod shares the node's network/);
    }
  });

  test('needs create on pods/portforward; a pod on no node is a 400, one its node does not run the kubelet\'s 404', async () => {
    const k: Kubectl = kubectl('1.33', started.kubeconfig);
    const denied = await k('port-forward', '--as=someone', '-n', ns, 'pod/web', `:${serverPort}`);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /User "someone" cannot create resource "pods\/portforward" in API group "" in the namespace/);
    // kubectl checks the phase first; the API server's answer is what any other client gets.
    const upgrade = { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' };
    const unbound = await api(started.plane, 'POST', `/api/v1/namespaces/${ns}/pods/unbound/portforward`, { headers: upgrade });
    assert.equal(unbound.status, 400, unbound.body);
    assert.equal(unbound.json()['message'], 'pod unbound does not have a host assigned');
    const elsewhere = await api(started.plane, 'POST', `/api/v1/namespaces/${ns}/pods/elsewhere/portforward`, { headers: upgrade });
    assert.equal(elsewhere.status, 404, elsewhere.body);
    assert.equal(elsewhere.json()['message'], 'pod does not exist');
    const plain = await api(started.plane, 'GET', `/api/v1/namespaces/${ns}/pods/web/portforward`);
    assert.equal(plain.status, 400, plain.body);
    assert.equal(plain.json()['message'], 'Upgrade request required');
  });

  /** A WebSocket upgrade offering the tunnel, by hand: the ws client, like the ws server, refuses a subprotocol with a '/' in it. */
  function tunnelRequest(pod: string): Promise<{ response: IncomingMessage; socket?: Duplex; body?: string }> {
    const { plane } = started;
    return new Promise((resolve, reject) => {
      const req = httpsRequest(new URL(`/api/v1/namespaces/${ns}/pods/${pod}/portforward`, plane.url), {
        ca: plane.pki.ca.cert,
        headers: {
          Authorization: `Bearer ${plane.tokens.adminToken}`, Connection: 'Upgrade', Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io',
        },
      });
      req.on('upgrade', (res, sock) => resolve({ response: res, socket: sock }));
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve({ response: res, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  test('the tunnel: a WebSocket offering SPDY/3.1+portforward.k8s.io gets that protocol and SPDY frames; the kubelet\'s refusal passes back', async () => {
    const refused = await tunnelRequest('elsewhere');
    assert.equal(refused.response.statusCode, 404);
    assert.match(refused.body ?? '', /pod does not exist/);
    const { response, socket } = await tunnelRequest('web');
    assert.ok(socket, `upgraded (${response.statusCode})`);
    assert.equal(response.headers['sec-websocket-protocol'], 'SPDY/3.1+portforward.k8s.io');
    // A SPDY PING (version 3, type 6, id 1) in a masked binary message comes back as it went,
    // unmasked: the kubelet's SPDY connection answered through the tunnel.
    const ping = Buffer.from([0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01]);
    const mask = randomBytes(4);
    socket.write(Buffer.concat([Buffer.from([0x82, 0x80 | ping.length]), mask, Buffer.from(ping.map((b, i) => b ^ mask[i % 4]!))]));
    const frame = await new Promise<Buffer>((resolve) => {
      let got = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length >= 2 + ping.length) resolve(got);
      });
    });
    socket.destroy();
    assert.deepEqual([...frame.subarray(0, 2)], [0x82, ping.length], 'one unmasked binary message');
    assert.deepEqual(frame.subarray(2, 2 + ping.length), ping);
  });
});

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
