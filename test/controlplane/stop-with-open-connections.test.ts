/**
 * Stopping the control plane ends every connection, not only the HTTP ones: a client that opened
 * a connection and sent nothing, or began its TLS handshake and stopped, kept the server from
 * closing, so `hostpod up` did not stop (and the fuzz test's control plane never stopped).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { test } from 'node:test';
import { startControlPlane } from '../support/controlplane.js';

test('the control plane stops with a connection that never finished its TLS handshake open', async () => {
  const s = await startControlPlane();
  const url = new URL(s.plane.url);
  const silent = connect(Number(url.port), url.hostname);
  const halfway = connect(Number(url.port), url.hostname);
  try {
    await Promise.all([silent, halfway].map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    // The first bytes of a TLS record (a handshake), and nothing after them.
    halfway.write(Buffer.from([0x16, 0x03, 0x01]));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = await Promise.race([s.stop().then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('still stopping after 5 s'), 5000))]);
    assert.equal(stopped, 'stopped');
    assert.equal(existsSync(s.dir), false, 'its data directory is removed once it stopped');
  } finally {
    silent.destroy();
    halfway.destroy();
  }
});
