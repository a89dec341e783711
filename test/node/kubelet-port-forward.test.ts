/**
 * The kubelet endpoint's /portForward on its own, framing by framing: SPDY stream pairs joined by
 * requestID (and by stream id for clients that send none), several on one connection, refused
 * streams and ports; the WebSocket channel protocol (binary and base64) with its port prefixes;
 * which pod it reaches (its uid in the path). The pod's network is the host's: the target is an
 * echo server on this host.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { issueCertificate } from '../../src/pki.js';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { startTestKubelet, type StartedKubelet } from '../support/kubelet-endpoint.js';
import { closedPort } from '../support/real-cluster.js';
import { SpdyClient } from '../support/spdy-client.js';

let started: StartedPlane;
let kubelet: StartedKubelet;
let echo: Server;
let echoPort: number;
before(async () => {
  started = await startControlPlane();
  kubelet = await startTestKubelet(started.plane, started.dir, 'node-f');
  // Answers each chunk upper-cased, and closes its side when the client closes its own.
  echo = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('data', (chunk: Buffer) => socket.write(chunk.toString('utf8').toUpperCase()));
    socket.on('end', () => socket.end());
    // A client's connection gone resets the forwarded one.
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as { port: number }).port;
  const created = await api(started.plane, 'POST', '/api/v1/namespaces/default/pods', {
    body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fwd' }, spec: { nodeName: 'node-f', containers: [{ name: 'c', image: 'busybox' }] } },
  });
  assert.equal(created.status, 201, created.body);
  kubelet.backend.add({ namespace: 'default', pod: 'fwd', container: 'c' });
  kubelet.backend.uids.set('default/fwd', 'the-uid');
  // Another loopback address stands for the node's own: the pod's IP.
  kubelet.backend.podIps.set('default/fwd', ['127.0.0.2']);
});
after(async () => {
  echo?.close();
  await kubelet?.stop();
  await started?.stop();
});

function spdy(path = '/portForward/default/fwd', protocols?: string[]): Promise<SpdyClient> {
  const { cert, key } = started.plane.pki.kubeletClient;
  return SpdyClient.open({ port: kubelet.endpoint.port, ca: started.plane.pki.ca.cert, cert, key, path, ...(protocols ? { protocols } : {}) });
}

describe('port-forward over SPDY at the kubelet endpoint', () => {
  test('two stream pairs on one connection, joined by requestID, each reach the port; FIN ends each', async () => {
    const client = await spdy();
    try {
      const pairs: { error: number; data: number }[] = [];
      for (const request of ['0', '1']) {
        const error = await client.open({ streamtype: 'error', port: String(echoPort), requestid: request });
        const data = await client.open({ streamtype: 'data', port: String(echoPort), requestid: request });
        pairs.push({ error, data });
      }
      await client.until(() => pairs.every((p) => client.streams.get(p.error)!.replied && client.streams.get(p.data)!.replied));
      client.send(pairs[0]!.data, Buffer.from('first'));
      client.send(pairs[1]!.data, Buffer.from('second'));
      await client.until(() => client.streams.get(pairs[0]!.data)!.data.toString() === 'FIRST' && client.streams.get(pairs[1]!.data)!.data.toString() === 'SECOND');
      client.send(pairs[0]!.data, Buffer.alloc(0), true);
      await client.until(() => client.streams.get(pairs[0]!.data)!.finished && client.streams.get(pairs[0]!.error)!.finished);
      assert.equal(client.streams.get(pairs[0]!.error)!.data.length, 0, 'no error');
      assert.equal(client.streams.get(pairs[1]!.data)!.finished, false, 'the other connection is still open');
      client.send(pairs[1]!.data, Buffer.from('last'), true);
      await client.until(() => client.streams.get(pairs[1]!.data)!.finished);
      assert.equal(client.streams.get(pairs[1]!.data)!.data.toString(), 'SECONDLAST');
    } finally {
      client.close();
    }
  });

  test('a server that listens on the pod\'s IP alone (the node\'s) is reached after loopback', async () => {
    const only = createServer((socket) => socket.end('from the pod IP'));
    await new Promise<void>((resolve) => only.listen(0, '127.0.0.2', resolve));
    const port = String((only.address() as { port: number }).port);
    const client = await spdy();
    try {
      await client.open({ streamtype: 'error', port, requestid: '0' });
      const data = await client.open({ streamtype: 'data', port, requestid: '0' });
      await client.until(() => client.streams.get(data)!.finished);
      assert.equal(client.streams.get(data)!.data.toString(), 'from the pod IP');
    } finally {
      client.close();
      only.close();
    }
  });

  test('a target that does not read holds the client back (the data waits in the client\'s socket, not in the agent)', async () => {
    const held: Socket[] = [];
    const sink = createServer((socket) => { socket.pause(); held.push(socket); });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const port = String((sink.address() as { port: number }).port);
    const client = await spdy();
    try {
      await client.open({ streamtype: 'error', port, requestid: '0' });
      const data = await client.open({ streamtype: 'data', port, requestid: '0' });
      await client.until(() => client.streams.get(data)!.replied && held.length === 1);
      const chunk = Buffer.alloc(32 * 1024, 1);
      for (let i = 0; i < 2048; i++) client.send(data, chunk); // 64 MiB
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      // Socket buffers hold a few MiB at most; without backpressure the agent would have read it all.
      assert.ok(client.socket.writableLength > 32 * 1024 * 1024, `${client.socket.writableLength} bytes still wait in the client`);
      // Reading again lets the rest through.
      let received = 0;
      held[0]!.on('data', (c: Buffer) => (received += c.length));
      held[0]!.resume();
      const deadline = Date.now() + 30_000;
      while (received < 2048 * chunk.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(received, 2048 * chunk.length);
    } finally {
      client.close();
      for (const socket of held) socket.destroy();
      sink.close();
    }
  });

  test('a client that sends no requestID: error stream n pairs with data stream n+2', async () => {
    const client = await spdy();
    try {
      const error = await client.open({ streamtype: 'error', port: String(echoPort) });
      const data = await client.open({ streamtype: 'data', port: String(echoPort) });
      assert.equal(data, error + 2);
      client.send(data, Buffer.from('legacy'), true);
      await client.until(() => client.streams.get(data)!.finished);
      assert.equal(client.streams.get(data)!.data.toString(), 'LEGACY');
    } finally {
      client.close();
    }
  });

  test('a stream without a valid port or stream type is refused (RST_STREAM REFUSED_STREAM)', async () => {
    const client = await spdy();
    try {
      const streams = [
        await client.open({ streamtype: 'data', requestid: '1' }),
        await client.open({ streamtype: 'data', port: '0', requestid: '2' }),
        await client.open({ streamtype: 'data', port: '70000', requestid: '3' }),
        await client.open({ streamtype: 'stdin', port: '80', requestid: '4' }),
      ];
      await client.until(() => streams.every((id) => client.streams.get(id)!.reset !== undefined));
      for (const id of streams) assert.equal(client.streams.get(id)!.reset, 3);
    } finally {
      client.close();
    }
  });

  test('a port nobody listens on: the kubelet\'s message on the error stream, then both streams end', async () => {
    const closed = await closedPort();
    const client = await spdy();
    try {
      const error = await client.open({ streamtype: 'error', port: String(closed), requestid: '0' });
      const data = await client.open({ streamtype: 'data', port: String(closed), requestid: '0' });
      await client.until(() => client.streams.get(error)!.finished && client.streams.get(data)!.finished);
      assert.match(client.streams.get(error)!.data.toString(), new RegExp(
        `^error forwarding port ${closed} to pod fwd_default, uid the-uid: failed to execute portforward in network namespace "host": IPv4: dial tcp4 127\\.0\\.0\\.1:${closed}: connect: connection refused IPv6: dial tcp6 \\[::1\\]:${closed}: [^]* dial tcp 127\\.0\\.0\\.2:${closed}: connect: connection refused \\(nothing listens on port ${closed} on node "test-node"`));
    } finally {
      client.close();
    }
  });

  test('the client\'s connection gone: the connection to the target is dropped, even one that ignores a half-close', async () => {
    const closedSockets: string[] = [];
    const stubborn = createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('data', () => socket.write('still here'));
      socket.on('error', () => {});
      socket.on('close', () => closedSockets.push('closed'));
    });
    await new Promise<void>((resolve) => stubborn.listen(0, '127.0.0.1', resolve));
    const port = String((stubborn.address() as { port: number }).port);
    try {
      const client = await spdy();
      await client.open({ streamtype: 'error', port, requestid: '0' });
      const data = await client.open({ streamtype: 'data', port, requestid: '0' });
      client.send(data, Buffer.from('hello'));
      await client.until(() => client.streams.get(data)!.data.toString() === 'still here');
      client.close();
      const deadline = Date.now() + 5_000;
      while (closedSockets.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(closedSockets, ['closed']);
    } finally {
      stubborn.close();
    }
  });

  test('the upgrade: portforward.k8s.io must be offered; an unknown pod or another uid is a 404', async () => {
    await assert.rejects(spdy(undefined, ['v4.channel.k8s.io']), (error: Error) => {
      assert.match(error.message, /^HTTP\/1\.1 403 Forbidden/);
      assert.match(error.message, /X-Accepted-Stream-Protocol-Versions: portforward\.k8s\.io/);
      assert.match(error.message, /unable to negotiate protocol: client supports \[v4\.channel\.k8s\.io\], server accepts \[portforward\.k8s\.io\]/);
      return true;
    });
    await assert.rejects(spdy('/portForward/default/nope'), /^Error: HTTP\/1\.1 404 [^]*pod does not exist/);
    await assert.rejects(spdy('/portForward/default/fwd/other-uid'), /^Error: HTTP\/1\.1 404 [^]*pod not found/);
    const client = await spdy('/portForward/default/fwd/the-uid');
    client.close();
  });

  test('is authorized as the node\'s proxy: another node\'s certificate gets the kubelet\'s 403', async () => {
    const other = await issueCertificate(started.plane.pki.ca, { commonName: 'system:node:other', organizations: ['system:nodes'], usage: 'client' });
    await assert.rejects(
      SpdyClient.open({ port: kubelet.endpoint.port, ca: started.plane.pki.ca.cert, cert: other.cert, key: other.key, path: '/portForward/default/fwd' }),
      /^Error: HTTP\/1\.1 403 [^]*Forbidden \(user=system:node:other, verb=create, resource=nodes, subresource=proxy\)/,
    );
  });
});

describe('port-forward over WebSocket at the kubelet endpoint', () => {
  function open(query: string, protocol?: string): Promise<{ ws: WebSocket; messages: (Buffer | string)[] }> {
    const { cert, key } = started.plane.pki.kubeletClient;
    const ws = new WebSocket(`wss://127.0.0.1:${kubelet.endpoint.port}/portForward/default/fwd${query}`, protocol ? [protocol] : [], { ca: started.plane.pki.ca.cert, cert, key });
    const messages: (Buffer | string)[] = [];
    ws.on('message', (data: Buffer, binary) => messages.push(binary ? data : data.toString('utf8')));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, messages }));
      ws.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => reject(new Error(`${response.statusCode} ${body}`)));
      });
      ws.once('error', reject);
    });
  }

  async function until(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('v4.channel.k8s.io: each port\'s channels open with its port (little endian), data goes both ways', async () => {
    const closed = await closedPort();
    const { ws, messages } = await open(`?port=${echoPort}&port=${closed}`, 'v4.channel.k8s.io');
    try {
      assert.equal(ws.protocol, 'v4.channel.k8s.io');
      const le = (port: number): number[] => [port & 0xff, port >> 8];
      await until(() => messages.length >= 4);
      const asArrays = messages.map((m) => [...(m as Buffer)]);
      for (const expected of [[0, ...le(echoPort)], [1, ...le(echoPort)], [2, ...le(closed)], [3, ...le(closed)]]) {
        assert.ok(asArrays.some((m) => m.join() === expected.join()), `the channel ${expected[0]} prefix ${expected.join()} in ${JSON.stringify(asArrays)}`);
      }
      ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('over websocket')]));
      await until(() => messages.some((m) => Buffer.isBuffer(m) && m[0] === 0 && m.subarray(1).toString() === 'OVER WEBSOCKET'));
      await until(() => messages.some((m) => Buffer.isBuffer(m) && m[0] === 3 && m.length > 3));
      const error = messages.find((m) => Buffer.isBuffer(m) && m[0] === 3 && m.length > 3) as Buffer;
      assert.match(error.subarray(1).toString(), new RegExp(`^error forwarding port ${closed} to pod fwd_default, uid the-uid: .*connection refused`));
    } finally {
      ws.close();
    }
  });

  test('v4.base64.channel.k8s.io: text messages, the channel as a digit, the payload in base64', async () => {
    const { ws, messages } = await open(`?port=${echoPort}`, 'v4.base64.channel.k8s.io');
    try {
      assert.equal(ws.protocol, 'v4.base64.channel.k8s.io');
      ws.send(`0${Buffer.from('base sixty-four').toString('base64')}`);
      await until(() => messages.includes(`0${Buffer.from('BASE SIXTY-FOUR').toString('base64')}`));
      assert.ok(messages.includes(`0${Buffer.from([echoPort & 0xff, echoPort >> 8]).toString('base64')}`), 'the port first');
    } finally {
      ws.close();
    }
  });

  test('the ports are required: a 400 naming the query parameter', async () => {
    await assert.rejects(open('', 'v4.channel.k8s.io'), /^Error: 400 .*query parameter \\"port\\" is required/);
    await assert.rejects(open('?port=http', 'v4.channel.k8s.io'), /^Error: 400 .*unable to parse \\"http\\" as a port/);
  });
});
