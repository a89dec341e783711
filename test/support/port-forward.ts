/**
 * What the port-forward tests share: a tiny HTTP server run as a real process (on the host, or
 * as a HostProcess pod's command), `kubectl port-forward` run in the background with the local
 * port it picked, and the requests a user makes through it (several, concurrent, large bodies
 * both ways), checked byte for byte.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { Kubectl } from './controlplane.js';

/**
 * The server, for `node -e SCRIPT PORT`: GET /hello answers "hello from PORT", GET /big?size=N
 * N bytes of a known pattern, POST /echo the sha256 and length of what it received.
 */
export const ECHO_SERVER_SCRIPT = `
const http = require('node:http');
const crypto = require('node:crypto');
const port = Number(process.argv[1]);
const pattern = (size) => { const b = Buffer.alloc(size); for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff; return b; };
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/hello') return res.end('hello from ' + port);
  if (url.pathname === '/big') return res.end(pattern(Number(url.searchParams.get('size'))));
  if (url.pathname === '/echo') {
    const hash = crypto.createHash('sha256');
    let length = 0;
    req.on('data', (c) => { hash.update(c); length += c.length; });
    req.on('end', () => res.end(JSON.stringify({ sha256: hash.digest('hex'), length })));
    return;
  }
  res.statusCode = 404;
  res.end();
}).listen(port, '127.0.0.1', () => console.log('listening on ' + port));
`;

/** The pattern /big answers with, to compare against. */
export function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

/** One HTTP request on a connection of its own (so each is a new forwarded connection). */
export function fetchLocal(port: number, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: false, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET ${path} through port ${port} timed out`)));
    req.end(body);
  });
}

export interface RunningPortForward {
  /** The local port kubectl listens on (the first one's, with several). */
  port: number;
  /** Each remote port's local one, in the order kubectl printed them. */
  ports: Map<number, number>;
  child: ChildProcess;
  output(): string;
  /** Ends kubectl (SIGTERM) and waits for it. */
  stop(): Promise<void>;
}

/** Starts `kubectl port-forward TARGET :REMOTE...` and waits for its "Forwarding from" line of each of `count` ports. */
export async function startPortForward(k: Kubectl, args: readonly string[], env: NodeJS.ProcessEnv = {}, count = 1): Promise<RunningPortForward> {
  const child = spawn(k.binary, [...k.baseArgs, 'port-forward', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ports = await new Promise<Map<number, number>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubectl port-forward did not start in 30 s:\n${output}`)), 30_000);
    const look = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const found = new Map([...output.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)].map((m) => [Number(m[2]), Number(m[1])]));
      if (found.size >= count) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward exited ${code}:\n${output}`));
    });
  });
  return {
    port: [...ports.values()][0]!, ports, child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * What a user does through a forwarded port: sequential requests, eight at once, an 8 MiB
 * download and an 8 MiB upload; each answer checked.
 */
export async function exerciseForward(localPort: number, remotePort: number): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const hello = await fetchLocal(localPort, '/hello');
    assert.equal(hello.body.toString('utf8'), `hello from ${remotePort}`);
  }
  const sizes = [1, 1000, 65_536, 100_000, 250_000, 500_000, 3, 777_777];
  const concurrent = await Promise.all(sizes.map((size) => fetchLocal(localPort, `/big?size=${size}`)));
  concurrent.forEach((answer, i) => assert.ok(answer.body.equals(pattern(sizes[i]!)), `concurrent download ${i} of ${sizes[i]} bytes arrived as ${answer.body.length} bytes`));
  const size = 8 * 1024 * 1024;
  const download = await fetchLocal(localPort, `/big?size=${size}`);
  assert.equal(download.body.length, size);
  assert.ok(download.body.equals(pattern(size)), 'the 8 MiB download arrived intact');
  const upload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) upload[i] = (i * 7 + 3) & 0xff;
  const echoed = JSON.parse((await fetchLocal(localPort, '/echo', upload)).body.toString('utf8')) as { sha256: string; length: number };
  assert.deepEqual(echoed, { sha256: createHash('sha256').update(upload).digest('hex'), length: size });
}
