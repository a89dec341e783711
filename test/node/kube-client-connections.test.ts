/**
 * The node agent's API client carries a burst of requests over a few kept-alive connections
 * (REQUEST_CONNECTIONS), not one new TLS connection per request in flight, and gives each watch a
 * connection of its own, so that open watches never hold requests back.
 */
import assert from 'node:assert/strict';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { KubeClient, REQUEST_CONNECTIONS } from '../../src/node/kube-client/client.js';
import { loadKubeconfig } from '../../src/node/kube-client/kubeconfig.js';
import { startControlPlane, type StartedPlane } from '../support/controlplane.js';

let started: StartedPlane;
before(async () => {
  started = await startControlPlane();
});
after(async () => {
  await started.stop();
});

describe('node agent API client connections', () => {
  test('a burst of requests shares a few connections; each watch has its own, and requests pass while watches are open', async () => {
    const client = new KubeClient(loadKubeconfig(started.kubeconfig));
    let connections = 0;
    const count = (_socket: TLSSocket): void => void connections++;
    started.plane.server.on('secureConnection', count);
    const stop = new AbortController();
    try {
      // More open watches than request connections: requests must not wait behind them.
      const WATCHES = REQUEST_CONNECTIONS + 2;
      const opened: Promise<void>[] = [];
      const watches: Promise<unknown>[] = [];
      for (let i = 0; i < WATCHES; i++) {
        opened.push(new Promise<void>((resolve) => {
          watches.push(client.watch('/api/v1/namespaces', {}, () => resolve(), stop.signal).catch(() => undefined));
        }));
      }
      await Promise.all(opened);

      const BURST = 60;
      const answers = await Promise.all(Array.from({ length: BURST }, () => client.get<{ metadata?: { name?: string } }>('/api/v1/namespaces/default')));
      assert.equal(answers.filter((a) => a.metadata?.name === 'default').length, BURST, 'every request of the burst is answered');
      assert.ok(connections <= WATCHES + REQUEST_CONNECTIONS, `${connections} connections for ${WATCHES} watches and ${BURST} requests (at most ${WATCHES + REQUEST_CONNECTIONS})`);
      assert.ok(connections >= WATCHES, `each watch has a connection of its own (${connections} connections)`);
      stop.abort();
      await Promise.all(watches);
    } finally {
      stop.abort();
      started.plane.server.off('secureConnection', count);
      client.close();
    }
  });
});
