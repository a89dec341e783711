/**
 * Client certificates: the API server reads a connection's certificate once and keeps it, so a
 * connection must not change it. As Go's TLS servers (kube-apiserver's), it refuses TLS 1.2
 * renegotiation; each connection is the user its own certificate names.
 */
import assert from 'node:assert/strict';
import { request, Agent } from 'node:https';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { issueCertificate, type KeyPair } from '../../src/pki.js';
import { startControlPlane, type StartedPlane } from '../support/controlplane.js';

let s: StartedPlane;
before(async () => {
  s = await startControlPlane();
});
after(async () => {
  await s.stop();
});

/** `/apis/authentication.k8s.io/v1/selfsubjectreviews` over `agent`, as the certificate's user. */
function whoAmI(agent: Agent, pair: KeyPair): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    const req = request(new URL('/apis/authentication.k8s.io/v1/selfsubjectreviews', s.plane.url), {
      method: 'POST', agent, ca: s.plane.pki.ca.cert, cert: pair.cert, key: pair.key,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
        if (res.statusCode !== 201) return reject(new Error(`${res.statusCode}: ${text}`));
        resolve(((JSON.parse(text) as { status: { userInfo: { username: string } } }).status.userInfo.username));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('client certificates', () => {
  test('each keep-alive connection is the user of its own certificate, request after request', async () => {
    const alice = await issueCertificate(s.plane.pki.ca, { commonName: 'alice', organizations: ['team-a'], usage: 'client' });
    const bob = await issueCertificate(s.plane.pki.ca, { commonName: 'bob', usage: 'client' });
    const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
    try {
      for (let i = 0; i < 3; i++) {
        assert.equal(await whoAmI(agents[0]!, alice), 'alice');
        assert.equal(await whoAmI(agents[1]!, bob), 'bob');
      }
    } finally {
      for (const agent of agents) agent.destroy();
    }
  });

  test('a TLS 1.2 client cannot renegotiate its connection', async () => {
    const alice = await issueCertificate(s.plane.pki.ca, { commonName: 'alice', usage: 'client' });
    const url = new URL(s.plane.url);
    const socket = connect({ host: url.hostname, port: Number(url.port), ca: s.plane.pki.ca.cert, cert: alice.cert, key: alice.key, maxVersion: 'TLSv1.2' });
    try {
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      const outcome = await new Promise<string>((resolve) => {
        socket.once('error', (error: Error) => resolve(`refused: ${error.message}`));
        socket.once('close', () => resolve('refused: closed'));
        const asked = socket.renegotiate({ rejectUnauthorized: true }, (error) => resolve(error ? `refused: ${error.message}` : 'renegotiated'));
        if (!asked) resolve('refused: not sent');
        // The renegotiation goes with the connection's next traffic.
        socket.write(`GET /version HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      });
      assert.match(outcome, /^refused/, 'the server takes no renegotiation');
    } finally {
      socket.destroy();
    }
    // The server goes on serving.
    const agent = new Agent({ keepAlive: false });
    try {
      assert.equal(await whoAmI(agent, alice), 'alice');
    } finally {
      agent.destroy();
    }
  });
});
