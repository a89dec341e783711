/**
 * The control plane holds connections as kube-apiserver does: an idle one is kept 90 s (Go's
 * IdleTimeout there), not Node's 5 s, so a client that pauses between requests, as the node agent
 * and kubectl's watchers do, goes on on the same TLS connection instead of a new handshake; and a
 * connection that never finishes its TLS handshake is closed after 32 s (Go bounds the handshake
 * by ReadHeaderTimeout), not Node's 120 s, as is one whose request headers are not done in 32 s
 * (ReadHeaderTimeout), where Node allows 60. The three tests run side by side.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { IDLE_CONNECTION_MS } from '../../src/controlplane/control-plane.js';
import { startControlPlane, type StartedPlane } from '../support/controlplane.js';

let started: StartedPlane;
before(async () => {
  started = await startControlPlane();
});
after(async () => {
  await started?.stop();
});

/** A GET on `agent`'s pool; whether it went on a connection that served a request before. */
function get(agent: Agent, path: string): Promise<{ status: number; reused: boolean; keepAlive: string | undefined }> {
  const { plane } = started;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, plane.url), { agent, headers: { Authorization: `Bearer ${plane.tokens.adminToken}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, keepAlive: res.headers['keep-alive'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('connections', { concurrency: true }, () => {
  test('an idle connection outlives 6 s of silence and carries the next request', async () => {
    assert.equal(IDLE_CONNECTION_MS, 90_000);
    // The client's own idle limit (the Keep-Alive hint the server sends) is above the pause too.
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: started.plane.pki.ca.cert });
    try {
      const first = await get(agent, '/api/v1/namespaces/default');
      assert.equal(first.status, 200);
      assert.equal(first.reused, false);
      assert.equal(first.keepAlive, 'timeout=90', 'the server tells clients how long it keeps an idle connection');
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const second = await get(agent, '/api/v1/namespaces/default');
      assert.equal(second.status, 200);
      assert.equal(second.reused, true, 'the second request went on the first one\'s connection');
    } finally {
      agent.destroy();
    }
  });

  test('a connection that sends nothing is closed after 32 s, as kube-apiserver bounds the handshake', async () => {
    const url = new URL(started.plane.url);
    const opened = performance.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connect({ host: url.hostname, port: Number(url.port) });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(performance.now() - opened));
      const timer = setTimeout(() => { socket.destroy(); reject(new Error('the server kept a silent connection past 45 s')); }, 45_000);
      socket.on('close', () => clearTimeout(timer));
    });
    assert.ok(closedAfter >= 31_000 && closedAfter < 40_000, `closed after ${Math.round(closedAfter)} ms`);
  });

  test('a request whose headers are not done in 32 s is answered 408 and closed, as kube-apiserver bounds them', async () => {
    const url = new URL(started.plane.url);
    const { closedAfter, answer } = await new Promise<{ closedAfter: number; answer: string }>((resolve, reject) => {
      let answer = '';
      let sent = 0;
      const socket = connectTls({ host: url.hostname, port: Number(url.port), ca: started.plane.pki.ca.cert, servername: '' }, () => {
        sent = performance.now();
        socket.write('GET /api HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('error', () => undefined);
      const timer = setTimeout(() => { socket.destroy(); reject(new Error('the server waited past 45 s for the headers')); }, 45_000);
      socket.on('close', () => { clearTimeout(timer); resolve({ closedAfter: performance.now() - sent, answer }); });
    });
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(closedAfter >= 31_000 && closedAfter < 40_000, `closed after ${Math.round(closedAfter)} ms`);
  });
});
