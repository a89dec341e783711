/**
 * `hostpod up` and its data directory: one instance at a time, a failed start exits (it does not
 * go on serving without the lock), and a lock left by a dead, zombie or unrelated process does
 * not block a start.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HOSTPOD_BIN } from '../support/hostpod-cli.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-lock-'));
  dirs.push(dir);
  return dir;
}

interface Outcome {
  child: ChildProcess;
  /** 'serving' once it printed its URL; otherwise the exit code. */
  result: Promise<Result>;
}

type Result = { serving: true } | { serving: false; code: number | null | 'still running'; stderr: string };

/** Starts `hostpod up --no-node` and reports whether it came to serve or exited first. */
function up(dir: string, port: number): Outcome {
  const child = spawn(process.execPath, [HOSTPOD_BIN, 'up', '--no-node', '--data-dir', dir, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const result = new Promise<Result>((resolve) => {
    // Neither serving nor gone after this long: it hangs, which is an answer too.
    const timer = setTimeout(() => resolve({ serving: false, code: 'still running', stderr: err }), 20_000);
    child.once('exit', () => clearTimeout(timer));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('serving on')) {
        clearTimeout(timer);
        resolve({ serving: true });
      }
    });
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => resolve({ serving: false, code, stderr: err }));
  });
  return { child, result };
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null | 'running'> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('running'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const port = (): number => 19000 + Math.floor(Math.random() * 900);

describe('hostpod up and the lock on its data directory', { timeout: 120_000 }, () => {
  test('a start that fails after listening exits non-zero and serves nothing', async () => {
    const dir = dataDir();
    // The kubeconfig is written last, after the server listens: a directory in its place makes that write fail.
    mkdirSync(join(dir, 'admin.kubeconfig'));
    const p = port();
    const first = up(dir, p);
    const result = await first.result;
    assert.equal(result.serving, false, 'it must not report serving');
    assert.notEqual(result.code, 'still running', `the failed start must exit (it logged: ${result.stderr})`);
    assert.notEqual(result.code, 0);
    assert.equal(await accepts(p), false, 'nothing listens on the port any more');
    assert.match(result.serving ? '' : result.stderr, /admin\.kubeconfig/);
  });

  test('a second instance on the same data directory is refused while the first runs', async () => {
    const dir = dataDir();
    const first = up(dir, port());
    assert.deepEqual(await first.result, { serving: true });
    const second = up(dir, port());
    const result = await second.result;
    assert.equal(result.serving, false);
    assert.match(result.serving ? '' : result.stderr, /another hostpod control plane \(pid \d+\) is using/);
    first.child.kill('SIGTERM');
    assert.equal(await exited(first.child, 20_000), 0);
    const third = up(dir, port());
    assert.deepEqual(await third.result, { serving: true }, 'the lock is free once the first stopped');
    third.child.kill('SIGTERM');
    assert.equal(await exited(third.child, 20_000), 0);
  });

  test('a lock left by a killed instance does not block a start', async () => {
    const dir = dataDir();
    const first = up(dir, port());
    assert.deepEqual(await first.result, { serving: true });
    first.child.kill('SIGKILL');
    await exited(first.child, 10_000);
    const second = up(dir, port());
    assert.deepEqual(await second.result, { serving: true });
    second.child.kill('SIGTERM');
    assert.equal(await exited(second.child, 20_000), 0);
  });

  const staleHolders: [string, () => Promise<{ pid: number; stop: () => void }>][] = [
    ['a live process that is not hostpod (a reused pid)', () => {
      const child = spawn('sleep', ['60'], { stdio: 'ignore' });
      children.push(child);
      return Promise.resolve({ pid: child.pid ?? 0, stop: () => child.kill('SIGKILL') });
    }],
    ['a zombie', async () => {
      // The shell starts a short child, then becomes `sleep`, which never reaps it: a zombie.
      const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
      children.push(parent);
      const pid = await new Promise<number>((resolve) => parent.stdout?.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))));
      await new Promise((r) => setTimeout(r, 300));
      return { pid, stop: () => parent.kill('SIGKILL') };
    }],
  ];
  for (const [what, holder] of staleHolders) {
    test(`a pid file naming ${what} does not block a start`, async () => {
      const dir = dataDir();
      const { pid, stop } = await holder();
      mkdirSync(join(dir, 'controlplane'), { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, 'controlplane', 'up.pid'), `${pid}\n`);
      const started = up(dir, port());
      const result = await started.result;
      stop();
      assert.deepEqual(result, { serving: true });
      started.child.kill('SIGTERM');
      assert.equal(await exited(started.child, 20_000), 0);
    });
  }
});
