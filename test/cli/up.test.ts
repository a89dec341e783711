/**
 * `hostpod up` as users run it: the built command in its own process. A kill -9 in the middle of
 * writes loses none that were acknowledged, and the restarted server picks up at once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { HOSTPOD_BIN } from '../support/hostpod-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-up-'));
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Server {
  child: ChildProcess;
  url: string;
  ca: string;
  token: string;
}

async function up(): Promise<Server> {
  const child = spawn(process.execPath, [HOSTPOD_BIN, 'up', '--data-dir', dir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('serving on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`hostpod up exited with ${code}: ${err}`)));
  });
  const config = parse(readFileSync(join(dir, 'admin.kubeconfig'), 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] };
  return {
    child,
    url: config.clusters[0]!.cluster.server,
    ca: Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString(),
    token: config.users[0]!.user.token,
  };
}

function call(server: Server, method: string, path: string, body?: unknown): Promise<number> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server.url), {
      method, ca: server.ca,
      headers: { Authorization: `Bearer ${server.token}`, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

test('hostpod up keeps every acknowledged write across a kill -9, and restarts at once', async () => {
  const first = await up();
  const acknowledged: string[] = [];
  let killed = false;
  // Four writers at once, until the server is killed under them.
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; !killed; i++) {
      const name = `w${w}-${i}`;
      try {
        const status = await call(first, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } });
        if (status === 201) acknowledged.push(name);
      } catch {
        return; // the connection died with the server
      }
      if (acknowledged.length >= 200 && !killed) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(writer));
  await new Promise((r) => (first.child.exitCode !== null || first.child.signalCode !== null ? r(undefined) : first.child.once('exit', r)));
  assert.ok(acknowledged.length >= 200);

  const second = await up();
  const missing: string[] = [];
  for (const name of acknowledged) {
    if ((await call(second, 'GET', `/api/v1/namespaces/default/configmaps/${name}`)) !== 200) missing.push(name);
  }
  assert.deepEqual(missing, []);
  second.child.kill('SIGTERM');
  const code = await new Promise((r) => second.child.once('exit', (c) => r(c)));
  assert.equal(code, 0);
});
