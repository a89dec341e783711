/**
 * `pods/log` and `pods/exec` through the API server to a node's kubelet endpoint: the log options,
 * following, the container choice, the endpoint's client-certificate check, and WebSocket exec
 * passed through the API server's upgrade.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { issueCertificate } from '../../src/pki.js';
import { api, eventually, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { startTestKubelet, TestKubelet, type StartedKubelet } from '../support/kubelet-endpoint.js';

let started: StartedPlane;
let kubelet: StartedKubelet;

/** A pod bound to `nodeName`, or (without one) a pod that fits no node and stays unscheduled. */
async function createPod(name: string, containers: string[], nodeName?: string): Promise<void> {
  const response = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods', {
    body: {
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: { ...(nodeName ? { nodeName } : { nodeSelector: { 'example.com/nowhere': 'true' } }), containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
    },
  });
  assert.equal(response.status, 201, response.body);
}

before(async () => {
  started = await startControlPlane();
  kubelet = await startTestKubelet(started.plane, started.dir, 'node-k');
  await createPod('one', ['main'], 'node-k');
  await createPod('two', ['a', 'b'], 'node-k');
  await createPod('floating', ['main']);
});
after(async () => {
  await kubelet.stop();
  await started.stop();
});

describe('pods/log', () => {
  test('serves the log, cut by tailLines, sinceTime, limitBytes, with timestamps on request', async () => {
    const c = kubelet.backend.add({ namespace: 'default', pod: 'one', container: 'main' }, false);
    TestKubelet.write(c, [
      ['stdout', 'first', '2026-01-01T00:00:01.000000001Z'],
      ['stderr', 'second', '2026-01-01T00:00:02.000000001Z'],
      ['stdout', 'third', '2026-01-01T00:00:03.000000001Z'],
    ]);
    const log = (query = '') => api(started.plane, 'GET', `/api/v1/namespaces/default/pods/one/log${query}`);
    assert.equal((await log()).body, 'first\nsecond\nthird\n');
    assert.equal((await log('?container=main&tailLines=2')).body, 'second\nthird\n');
    assert.equal((await log('?tailLines=0')).body, '');
    assert.equal((await log('?sinceTime=2026-01-01T00:00:02Z')).body, 'second\nthird\n');
    assert.equal((await log('?limitBytes=8')).body, 'first\nse');
    assert.equal((await log('?timestamps=true&tailLines=1')).body, '2026-01-01T00:00:03.000000001Z third\n');
    const bad = await log('?tailLines=-1');
    assert.equal(bad.status, 400);
    assert.match(bad.json()['message'] as string, /tailLines: Invalid value: -1: must be greater than or equal to 0/);
    const previous = await log('?previous=true');
    assert.equal(previous.status, 400);
    assert.equal(previous.json()['message'], 'previous terminated container "main" in pod "one" not found');
  });

  test('follow streams new lines until the container ends', async () => {
    const c = kubelet.backend.add({ namespace: 'default', pod: 'two', container: 'a' }, true);
    TestKubelet.write(c, [['stdout', 'before']]);
    let text = '';
    let ended = false;
    const req = request(new URL('/api/v1/namespaces/default/pods/two/log?container=a&follow=true', started.plane.url), {
      ca: started.plane.pki.ca.cert, headers: { Authorization: `Bearer ${started.plane.tokens.adminToken}` },
    }, (res) => {
      assert.equal(res.statusCode, 200);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (ended = true));
    });
    req.end();
    await eventually(() => (text === 'before\n' ? true : undefined), 5000, 'the existing line');
    TestKubelet.write(c, [['stdout', 'after']]);
    await eventually(() => (text === 'before\nafter\n' ? true : undefined), 5000, 'the new line');
    assert.equal(ended, false);
    c.live = false;
    await eventually(() => (ended ? true : undefined), 5000, 'the end of the stream');
  });

  test('names the containers to choose from, refuses unknown ones, and answers for a pod on no node as kube-apiserver does: an empty log, no exec', async () => {
    const none = await api(started.plane, 'GET', '/api/v1/namespaces/default/pods/two/log');
    assert.equal(none.status, 400);
    assert.equal(none.json()['message'], 'a container name must be specified for pod two, choose one of: [a b]');
    const unknown = await api(started.plane, 'GET', '/api/v1/namespaces/default/pods/two/log?container=zz');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json()['message'], 'container zz is not valid for pod two');
    // LogLocation gives a pod on no node yet no location, and the log is empty; exec's needs one.
    const floating = await api(started.plane, 'GET', '/api/v1/namespaces/default/pods/floating/log');
    assert.equal(floating.status, 200);
    assert.equal(floating.body, '');
    const floatingExec = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods/floating/exec?command=true&stdout=true');
    assert.equal(floatingExec.status, 400);
    assert.equal(floatingExec.json()['message'], 'pod floating does not have a host assigned');
  });

  test('answers 503 naming the node when its kubelet endpoint is not reachable', async () => {
    await api(started.plane, 'POST', '/api/v1/nodes', {
      body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gone' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 1 } } } },
    });
    await createPod('orphan', ['main'], 'gone');
    const response = await api(started.plane, 'GET', '/api/v1/namespaces/default/pods/orphan/log');
    assert.equal(response.status, 503);
    assert.match(response.json()['message'] as string, /cannot reach the kubelet endpoint of node "gone" at 127\.0\.0\.1:1: .*ECONNREFUSED.*is the node agent running/);
  });
});

describe('the kubelet endpoint', () => {
  const get = (options: { cert?: string; key?: string }) => new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: kubelet.endpoint.port, path: '/containerLogs/default/one/main', ca: started.plane.pki.ca.cert, ...options }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });

  test('refuses clients without a certificate from the cluster CA', async () => {
    assert.equal(await get({}), 401);
    const stranger = await issueCertificate(await foreignCa(), { commonName: 'kube-apiserver-kubelet-client', usage: 'client' });
    assert.equal(await get(stranger), 401);
    assert.equal(await get(started.plane.pki.kubeletClient), 200);
  });
});

/** A CA of another cluster: a second control plane's. */
async function foreignCa() {
  const other = await startControlPlane();
  const ca = other.plane.pki.ca;
  await other.stop();
  return ca;
}

describe('pods/exec over WebSocket', () => {
  const exec = (query: string, input?: string, token = started.plane.tokens.adminToken) => new Promise<{ stdout: string; stderr: string; status: Record<string, unknown> | undefined; protocol: string; refused?: number }>((resolve, reject) => {
    const url = new URL(`/api/v1/namespaces/default/pods/one/exec?${query}`, started.plane.url.replace('https', 'wss'));
    const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], { ca: started.plane.pki.ca.cert, headers: { Authorization: `Bearer ${token}` } });
    let stdout = '';
    let stderr = '';
    let status: Record<string, unknown> | undefined;
    ws.on('open', () => {
      if (input !== undefined) {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(input)]));
        ws.send(Buffer.from([255, 0]));
      }
    });
    ws.on('message', (data: Buffer) => {
      const payload = data.subarray(1).toString('utf8');
      if (data[0] === 1) stdout += payload;
      if (data[0] === 2) stderr += payload;
      if (data[0] === 3) status = JSON.parse(payload) as Record<string, unknown>;
    });
    ws.on('unexpected-response', (_req, res) => resolve({ stdout, stderr, status, protocol: '', refused: res.statusCode ?? 0 }));
    ws.on('close', () => resolve({ stdout, stderr, status, protocol: ws.protocol }));
    ws.on('error', reject);
  });

  test('runs the command, passes stdin, stdout and stderr, and reports the exit code', async () => {
    kubelet.backend.add({ namespace: 'default', pod: 'one', container: 'main' }, true);
    const ok = await exec('command=sh&command=-c&command=echo out; echo err >%262&stdout=true&stderr=true');
    assert.equal(ok.protocol, 'v5.channel.k8s.io');
    assert.equal(ok.stdout, 'out\n');
    assert.equal(ok.stderr, 'err\n');
    assert.deepEqual(ok.status, { metadata: {}, status: 'Success' });
    const cat = await exec('command=cat&stdin=true&stdout=true', 'hello from stdin');
    assert.equal(cat.stdout, 'hello from stdin');
    const failed = await exec('command=sh&command=-c&command=exit 3&stdout=true');
    assert.equal(failed.status?.['reason'], 'NonZeroExitCode');
    assert.deepEqual(failed.status?.['details'], { causes: [{ reason: 'ExitCode', message: '3' }] });
  });

  test('refuses an exec the caller may not make, and one into a stopped container', async () => {
    const sa = await api(started.plane, 'POST', '/api/v1/namespaces/kube-system/serviceaccounts/default/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} } });
    const token = (sa.json()['status'] as { token: string }).token;
    const denied = await exec('command=true&stdout=true', undefined, token);
    assert.equal(denied.refused, 403);
    kubelet.backend.add({ namespace: 'default', pod: 'one', container: 'main' }, false);
    const stopped = await exec('command=true&stdout=true');
    assert.equal(stopped.refused, 400);
  });
});
