/**
 * The control plane keeps a client's idle connection as kube-apiserver does (90 s, Go's
 * IdleTimeout there), not Node's 5 s: a client that pauses between requests, as the node agent
 * and kubectl's watchers do, goes on on the same TLS connection instead of a new handshake.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { after, before, test } from 'node:test';
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
