/**
 * The node's kubelet endpoint on its own: who may call it (a certificate from the cluster CA,
 * then the API server's SubjectAccessReview for the node's `nodes/proxy`, as the kubelet asks
 * it), and what it answers to requests that are not well formed.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { connect } from 'node:tls';
import { WebSocket } from 'ws';
import { after, before, describe, test } from 'node:test';
import { issueCertificate, type KeyPair } from '../../src/pki.js';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { startTestKubelet, TestKubelet, type StartedKubelet } from '../support/kubelet-endpoint.js';

let started: StartedPlane;
let kubelet: StartedKubelet;
before(async () => {
  started = await startControlPlane();
  kubelet = await startTestKubelet(started.plane, started.dir, 'node-e');
});
after(async () => {
  await kubelet.stop();
  await started.stop();
});

/** A request at the endpoint, with the API server's kubelet-client certificate unless told otherwise (`null`: none), and an `Authorization` header if given: status and body. */
function get(path: string, credential: KeyPair | null = started.plane.pki.kubeletClient, method = 'GET', authorization?: string): Promise<{ status: number; body: string }> {
  const tls = credential === null ? {} : { cert: credential.cert, key: credential.key };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: kubelet.endpoint.port, path, method, ca: started.plane.pki.ca.cert, agent: false, ...tls, headers: authorization === undefined ? {} : { Authorization: authorization } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A request written by hand (no client library would send a malformed target): the status line. */
function raw(path: string, credential: KeyPair = started.plane.pki.kubeletClient, upgrading = true): Promise<string> {
  const { cert, key } = credential;
  const headers = upgrading ? 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n' : 'Connection: close\r\n';
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: kubelet.endpoint.port, ca: started.plane.pki.ca.cert, cert, key, servername: '' }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

const nodeCredential = (name: string) => issueCertificate(started.plane.pki.ca, { commonName: `system:node:${name}`, organizations: ['system:nodes'], usage: 'client' });

describe('the kubelet endpoint', () => {
  test('serves the API server\'s kubelet-client identity, and refuses other nodes (and itself) with the kubelet\'s 403', async () => {
    const created = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'node-e', containers: [{ name: 'c', image: 'busybox' }] } },
    });
    assert.equal(created.status, 201, created.body);
    TestKubelet.write(kubelet.backend.add({ namespace: 'default', pod: 'p', container: 'c' }), [['stdout', 'secret output']]);
    const served = await get('/containerLogs/default/p/c');
    assert.deepEqual(served, { status: 200, body: 'secret output\n' });
    for (const name of ['other', 'node-e']) {
      const node = await nodeCredential(name);
      assert.deepEqual(await get('/containerLogs/default/p/c', node), { status: 403, body: `Forbidden (user=system:node:${name}, verb=get, resource=nodes, subresource=proxy)\n` });
      assert.equal((await get('/exec/default/p/c?command=id&stdout=true', node, 'POST')).status, 403);
      assert.equal(await raw('/exec/default/p/c?command=id&stdout=true', node), 'HTTP/1.1 403 Forbidden');
      assert.equal((await get('/healthz', node)).status, 403);
    }
    const admin = await issueCertificate(started.plane.pki.ca, { commonName: 'someone', organizations: ['system:masters'], usage: 'client' });
    assert.equal((await get('/containerLogs/default/p/c', admin)).status, 200);
  });

  test('keeps an idle connection past 6 s, as the kubelet keeps it 90 s, and the next request goes on it', async () => {
    const { cert, key } = started.plane.pki.kubeletClient;
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: started.plane.pki.ca.cert, cert, key });
    const healthz = (): Promise<{ status: number; reused: boolean }> => new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: kubelet.endpoint.port, path: '/healthz', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
      });
      req.on('error', reject);
      req.end();
    });
    try {
      assert.deepEqual(await healthz(), { status: 200, reused: false });
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      assert.deepEqual(await healthz(), { status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });

  test('answers 401 "Unauthorized" to a certificate from another CA', async () => {
    const other = await startControlPlane();
    try {
      const stranger = await issueCertificate(other.plane.pki.ca, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' });
      assert.deepEqual(await get('/containerLogs/default/p/c', stranger), { status: 401, body: 'Unauthorized\n' });
    } finally {
      await other.stop();
    }
  });

  test('takes a bearer token the API server vouches for when there is no certificate, and a certificate before a token', async () => {
    const admin = started.plane.tokens.adminToken;
    assert.deepEqual(await get('/containerLogs/default/p/c', null), { status: 401, body: 'Unauthorized\n' });
    assert.equal((await get('/containerLogs/default/p/c', null, 'GET', `Bearer ${admin}`)).status, 200);
    assert.equal((await get('/containerLogs/default/p/c', null, 'GET', `bearer  ${admin}`)).status, 401, 'two spaces: no token, as the kubelet reads the header');
    for (const header of [`Basic ${admin}`, 'Bearer', 'Bearer not-a-token']) {
      assert.deepEqual(await get('/containerLogs/default/p/c', null, 'GET', header), { status: 401, body: 'Unauthorized\n' }, header);
    }
    // As the kubelet's union authenticator: a verified certificate answers first, its user is the caller.
    const node = await nodeCredential('other');
    assert.deepEqual(await get('/containerLogs/default/p/c', node, 'GET', `Bearer ${admin}`), { status: 403, body: 'Forbidden (user=system:node:other, verb=get, resource=nodes, subresource=proxy)\n' });
  });

  test('attach: WebSocket v5 carries stdin and stdout and ends with Success; no stream, no upgrade or an ended container get the kubelet\'s answers', async () => {
    const live = kubelet.backend.add({ namespace: 'default', pod: 'attached', container: 'c' });
    const { cert, key } = started.plane.pki.kubeletClient;
    const ws = new WebSocket(`wss://127.0.0.1:${kubelet.endpoint.port}/attach/default/attached/c?input=1&output=1`, ['v5.channel.k8s.io'], { ca: started.plane.pki.ca.cert, cert, key });
    const frames: Buffer[] = [];
    ws.on('message', (data: Buffer) => frames.push(data));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('echoed\n')]));
    ws.send(Buffer.from([255, 0]));
    await new Promise((resolve) => ws.once('close', resolve));
    assert.equal(frames.filter((f) => f[0] === 1).map((f) => f.subarray(1).toString()).join(''), 'echoed\n');
    assert.deepEqual(JSON.parse(frames.find((f) => f[0] === 3)!.subarray(1).toString()), { metadata: {}, status: 'Success' });

    const plain = await get('/attach/default/attached/c?output=1', undefined, 'POST');
    assert.equal(plain.status, 400);
    assert.match(plain.body, /Upgrade request required/);
    assert.equal(await raw('/attach/default/attached/c'), 'HTTP/1.1 400 Bad Request');
    live.live = false;
    assert.equal(await raw('/attach/default/attached/c?output=1'), 'HTTP/1.1 500 Internal Server Error');
  });

  test('answers 400, not 500, to a path with malformed %-encoding', async () => {
    for (const path of ['/containerLogs/a/%zz/c', '/containerLogs/%/b/c', '/exec/a/b/%E0%A4%A']) {
      const response = await get(path);
      assert.equal(response.status, 400, `${path}: ${response.body}`);
    }
    assert.equal(await raw('/exec/a/%zz/c?command=true&stdout=true'), 'HTTP/1.1 400 Bad Request');
    // An absolute-form target that is no URL: a 400, and the endpoint still serves.
    assert.equal(await raw('http://[/containerLogs/a/b/c', undefined, false), 'HTTP/1.1 400 Bad Request');
    assert.equal(await raw('http://[/exec/a/b/c?command=true&stdout=true'), 'HTTP/1.1 400 Bad Request');
    assert.equal((await get('/healthz')).status, 200);
  });
});
