/**
 * The node's kubelet endpoint on its own: what it answers to requests that are not well formed,
 * before any container is looked at.
 */
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { startTestKubelet, type StartedKubelet } from '../support/kubelet-endpoint.js';

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

/** A GET at the endpoint with the API server's kubelet-client certificate: status and body. */
function get(path: string): Promise<{ status: number; body: string }> {
  const { cert, key } = started.plane.pki.kubeletClient;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: kubelet.endpoint.port, path, ca: started.plane.pki.ca.cert, cert, key }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An upgrade request written by hand (no client library would send a malformed path): the status line. */
function upgrade(path: string): Promise<string> {
  const { cert, key } = started.plane.pki.kubeletClient;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: kubelet.endpoint.port, ca: started.plane.pki.ca.cert, cert, key, servername: '' }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('the kubelet endpoint', () => {
  test('answers 400, not 500, to a path with malformed %-encoding', async () => {
    for (const path of ['/containerLogs/a/%zz/c', '/containerLogs/%/b/c', '/exec/a/b/%E0%A4%A']) {
      const response = await get(path);
      assert.equal(response.status, 400, `${path}: ${response.body}`);
    }
    assert.equal(await upgrade('/exec/a/%zz/c?command=true&stdout=true'), 'HTTP/1.1 400 Bad Request');
  });
});
