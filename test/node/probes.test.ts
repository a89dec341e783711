/**
 * Probe and hook handlers against real local servers (httpGet: 2xx and 3xx succeed, other codes
 * and dial errors fail in the kubelet's words, named ports and headers; tcpSocket) and a fake
 * exec target (exit codes, output, timeouts); and the ProbeWorker's thresholds: readiness turns
 * true after successThreshold successes in a row, liveness false after failureThreshold
 * failures in a row, startup stops once it succeeds, and a stopped worker reports nothing.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { ProbeWorker, runHandler, type ProbeKind, type ProbeTarget } from '../../src/node/probes.js';
import { closedPort } from '../support/real-cluster.js';

const HOST = '127.0.0.1';
const container: V1Container = { name: 'app', image: 'busybox' };

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server | TcpServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

type ExecResult = Awaited<ReturnType<ProbeTarget['exec']>>;

/** A target whose exec must not be called (for the network handlers). */
const networkTarget: ProbeTarget = {
  host: HOST,
  exec: () => Promise.reject(new Error('exec must not be called')),
};

describe('httpGet', () => {
  let server: Server;
  let port: number;
  const seen: { url: string | undefined; headers: IncomingHttpHeaders }[] = [];

  before(async () => {
    server = createServer((request, response) => {
      seen.push({ url: request.url, headers: request.headers });
      const path = request.url ?? '/';
      if (path === '/healthz') response.writeHead(200).end('ok');
      else if (path === '/broken') response.writeHead(500).end('boom');
      else if (path === '/moved') response.writeHead(302, { Location: '/elsewhere' }).end();
      else if (path === '/missing') response.writeHead(404).end();
      else if (path === '/hang') return; // never answers
      else response.writeHead(204).end();
    });
    port = await listen(server);
  });
  after(() => close(server));

  test('200 succeeds, with the default path /', async () => {
    assert.deepEqual(await runHandler({ httpGet: { path: '/healthz', port } }, container, networkTarget, 1000), { ok: true, message: '' });
    assert.deepEqual(await runHandler({ httpGet: { port } }, container, networkTarget, 1000), { ok: true, message: '' });
    assert.equal(seen.at(-1)?.url, '/');
  });

  test('500 and 404 fail with the status code', async () => {
    assert.deepEqual(await runHandler({ httpGet: { path: '/broken', port } }, container, networkTarget, 1000), { ok: false, message: 'HTTP probe failed with statuscode: 500' });
    assert.deepEqual(await runHandler({ httpGet: { path: '/missing', port } }, container, networkTarget, 1000), { ok: false, message: 'HTTP probe failed with statuscode: 404' });
  });

  test('302 counts as success', async () => {
    const before = seen.length;
    assert.deepEqual(await runHandler({ httpGet: { path: '/moved', port } }, container, networkTarget, 1000), { ok: true, message: '' });
    assert.deepEqual(seen.slice(before).map((request) => request.url), ['/moved']);
  });

  test('a named port is the container port of that name; a numeric string is a number', async () => {
    const named: V1Container = { name: 'app', image: 'busybox', ports: [{ name: 'metrics', containerPort: 1 }, { name: 'http', containerPort: port }] };
    const before = seen.length;
    assert.deepEqual(await runHandler({ httpGet: { path: '/healthz', port: 'http' } }, named, networkTarget, 1000), { ok: true, message: '' });
    assert.deepEqual(await runHandler({ httpGet: { path: '/healthz', port: String(port) } }, container, networkTarget, 1000), { ok: true, message: '' });
    assert.equal(seen.length, before + 2);
    assert.deepEqual(await runHandler({ httpGet: { path: '/healthz', port: 'web' } }, named, networkTarget, 1000), {
      ok: false,
      message: 'port "web" is not a number and no container port has that name',
    });
    assert.equal(seen.length, before + 2);
  });

  test('sends httpHeaders, the kube-probe User-Agent and the path', async () => {
    const before = seen.length;
    const outcome = await runHandler(
      { httpGet: { path: '/healthz?full=1', port, httpHeaders: [{ name: 'X-Probe-Token', value: 'abc123' }, { name: 'Accept', value: 'application/json' }] } },
      container, networkTarget, 1000,
    );
    assert.deepEqual(outcome, { ok: true, message: '' });
    assert.equal(seen.length, before + 1);
    const request = seen[before];
    assert.equal(request?.url, '/healthz?full=1');
    assert.equal(request?.headers['x-probe-token'], 'abc123');
    assert.equal(request?.headers.accept, 'application/json');
    assert.equal(request?.headers['user-agent'], 'kube-probe/1.32');
    assert.equal(request?.headers.host, `${HOST}:${port}`);
  });

  test('handler.host overrides the target host', async () => {
    const elsewhere: ProbeTarget = { ...networkTarget, host: '192.0.2.1' };
    assert.deepEqual(await runHandler({ httpGet: { host: HOST, path: '/healthz', port } }, container, elsewhere, 1000), { ok: true, message: '' });
  });

  test('a refused connection fails in Go dial words', async () => {
    const refused = await closedPort();
    assert.deepEqual(await runHandler({ httpGet: { path: '/healthz', port: refused } }, container, networkTarget, 1000), {
      ok: false,
      message: `Get "http://${HOST}:${refused}/healthz": dial tcp ${HOST}:${refused}: connect: connection refused`,
    });
  });

  test('no answer within the timeout fails with the client timeout message', async () => {
    assert.deepEqual(await runHandler({ httpGet: { path: '/hang', port } }, container, networkTarget, 100), {
      ok: false,
      message: `Get "http://${HOST}:${port}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });
});

describe('tcpSocket', () => {
  let server: TcpServer;
  let port: number;

  before(async () => {
    server = createTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.end();
    });
    port = await listen(server);
  });
  after(() => close(server));

  test('a listening port succeeds, by number or by name', async () => {
    assert.deepEqual(await runHandler({ tcpSocket: { port } }, container, networkTarget, 1000), { ok: true, message: '' });
    const named: V1Container = { name: 'app', image: 'busybox', ports: [{ name: 'db', containerPort: port }] };
    assert.deepEqual(await runHandler({ tcpSocket: { port: 'db' } }, named, networkTarget, 1000), { ok: true, message: '' });
    assert.deepEqual(await runHandler({ tcpSocket: { port: 'nope' } }, named, networkTarget, 1000), {
      ok: false,
      message: 'port "nope" is not a number and no container port has that name',
    });
  });

  test('a closed port fails with connection refused', async () => {
    const refused = await closedPort();
    assert.deepEqual(await runHandler({ tcpSocket: { port: refused } }, container, networkTarget, 1000), {
      ok: false,
      message: `dial tcp ${HOST}:${refused}: connect: connection refused`,
    });
  });
});

describe('exec, grpc, sleep', () => {
  /** An exec target that answers with `result` and records its calls. */
  function execTarget(result: ExecResult | Error): ProbeTarget & { calls: { command: string[]; timeoutMs: number }[] } {
    const calls: { command: string[]; timeoutMs: number }[] = [];
    return {
      host: HOST,
      calls,
      exec: (command, timeoutMs) => {
        calls.push({ command, timeoutMs });
        return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
      },
    };
  }

  test('exit 0 succeeds; the command and timeout reach the target', async () => {
    const target = execTarget({ exitCode: 0, output: 'fine\n', timedOut: false });
    assert.deepEqual(await runHandler({ exec: { command: ['cat', '/tmp/healthy'] } }, container, target, 2500), { ok: true, message: '' });
    assert.deepEqual(target.calls, [{ command: ['cat', '/tmp/healthy'], timeoutMs: 2500 }]);
  });

  test('a non-zero exit fails with the trimmed output, or the exit code when silent', async () => {
    const noisy = execTarget({ exitCode: 1, output: 'cat: /tmp/healthy: No such file or directory\n', timedOut: false });
    assert.deepEqual(await runHandler({ exec: { command: ['cat', '/tmp/healthy'] } }, container, noisy, 1000), {
      ok: false,
      message: 'cat: /tmp/healthy: No such file or directory',
    });
    const silent = execTarget({ exitCode: 3, output: ' \n', timedOut: false });
    assert.deepEqual(await runHandler({ exec: { command: ['false'] } }, container, silent, 1000), { ok: false, message: 'command "false" exited with 3' });
  });

  test('a timed-out command fails as timed out', async () => {
    const target = execTarget({ exitCode: 137, output: 'partial', timedOut: true });
    assert.deepEqual(await runHandler({ exec: { command: ['sleep', '30'] } }, container, target, 1000), { ok: false, message: 'command "sleep 30" timed out' });
  });

  test('an exec that throws fails with its message', async () => {
    const target = execTarget(new Error('container "app" is not running'));
    assert.deepEqual(await runHandler({ exec: { command: ['true'] } }, container, target, 1000), { ok: false, message: 'container "app" is not running' });
  });

  test('grpc is not supported; sleep 0 succeeds; an empty handler fails', async () => {
    assert.deepEqual(await runHandler({ grpc: { port: 9090 } }, container, networkTarget, 1000), {
      ok: false,
      message: 'grpc probes are not supported by hostpod: use exec, httpGet or tcpSocket',
    });
    assert.deepEqual(await runHandler({ sleep: { seconds: 0 } }, container, networkTarget, 1000), { ok: true, message: '' });
    assert.deepEqual(await runHandler({}, container, networkTarget, 1000), { ok: false, message: 'the handler has no action' });
  });
});

describe('ProbeWorker', () => {
  interface Change { kind: ProbeKind; result: boolean; message: string; afterCalls: number }

  /**
   * A worker on an exec probe whose attempts answer from `script` in turn (true: exit 0,
   * false: exit 1 with output `fail N`), then keep giving the script's last answer.
   * `until` says from the changes so far when the test has seen enough; it then stops the worker.
   */
  function run(kind: ProbeKind, probe: Omit<V1Probe, 'exec'>, script: boolean[], until: (changes: Change[]) => boolean, gate?: () => boolean) {
    let calls = 0;
    const failures: string[] = [];
    const changes: Change[] = [];
    const target: ProbeTarget = {
      host: HOST,
      exec: () => {
        const ok = script[Math.min(calls, script.length - 1)] ?? true;
        calls++;
        return Promise.resolve(ok ? { exitCode: 0, output: '', timedOut: false } : { exitCode: 1, output: `fail ${calls}`, timedOut: false });
      },
    };
    let worker!: ProbeWorker;
    const done = new Promise<void>((resolve, reject) => {
      // A ref'd timer keeps the process alive while the worker's own timers are unref'd, and bounds the test.
      const guard = setTimeout(() => {
        worker.stop();
        reject(new Error(`gave up after ${calls} attempts; changes: ${JSON.stringify(changes)}`));
      }, 1500);
      const check = (): void => {
        if (!until(changes)) return;
        clearTimeout(guard);
        worker.stop();
        resolve();
      };
      worker = new ProbeWorker(kind, { ...probe, exec: { command: ['check'] } }, container, target, {
        failed: (_kind, message) => failures.push(message),
        changed: (changedKind, result, message) => {
          changes.push({ kind: changedKind, result, message, afterCalls: calls });
          check();
        },
      }, gate);
    });
    worker.start();
    return { worker, done, changes, failures, calls: () => calls };
  }

  const fast = { initialDelaySeconds: 0, periodSeconds: 0 };

  test('readiness starts false and turns true after successThreshold successes in a row', async () => {
    const script = [false, true, true, false, true, true, true];
    const probe = run('readiness', { ...fast, successThreshold: 3, failureThreshold: 2 }, script, (changes) => changes.length >= 1);
    assert.equal(probe.worker.result, false);
    await probe.done;
    assert.deepEqual(probe.changes, [{ kind: 'readiness', result: true, message: '', afterCalls: 7 }]);
    assert.equal(probe.worker.result, true);
    // Failures before readiness are reported as attempts but change nothing: it was not ready yet.
    assert.deepEqual(probe.failures, ['fail 1', 'fail 4']);
  });

  test('liveness starts true and turns false after failureThreshold failures in a row, then true again', async () => {
    const script = [true, false, false, true, false, false, false, true];
    const probe = run('liveness', { ...fast, failureThreshold: 3 }, script, (changes) => changes.length >= 2);
    assert.equal(probe.worker.result, true);
    await probe.done;
    assert.deepEqual(probe.changes, [
      { kind: 'liveness', result: false, message: 'fail 7', afterCalls: 7 },
      { kind: 'liveness', result: true, message: '', afterCalls: 8 },
    ]);
    assert.deepEqual(probe.failures, ['fail 2', 'fail 3', 'fail 5', 'fail 6', 'fail 7']);
  });

  test('liveness reports false again only after another failureThreshold failures', async () => {
    const script = [false, false, false, false, false, true, false, false];
    const probe = run('liveness', { ...fast, failureThreshold: 2 }, script, (changes) => changes.length >= 3);
    await probe.done;
    assert.deepEqual(probe.changes.map((change) => [change.result, change.afterCalls]), [[false, 2], [true, 6], [false, 8]]);
  });

  test('readiness turns false after failureThreshold failures once ready', async () => {
    const script = [true, false, true, false, false];
    const probe = run('readiness', { ...fast, failureThreshold: 2 }, script, (changes) => changes.length >= 2);
    await probe.done;
    assert.deepEqual(probe.changes, [
      { kind: 'readiness', result: true, message: '', afterCalls: 1 },
      { kind: 'readiness', result: false, message: 'fail 5', afterCalls: 5 },
    ]);
  });

  test('startup reports false after failureThreshold failures, and true once it succeeds', async () => {
    const script = [false, false, true];
    const probe = run('startup', { ...fast, failureThreshold: 2 }, script, (changes) => changes.some((change) => change.result));
    assert.equal(probe.worker.result, false);
    await probe.done;
    assert.deepEqual(probe.changes.map((change) => [change.result, change.message, change.afterCalls]), [[false, 'fail 2', 2], [true, '', 3]]);
  });

  test('a startup probe stops probing once it succeeds', async () => {
    let calls = 0;
    const changes: boolean[] = [];
    let resolveChanged!: () => void;
    const changed = new Promise<void>((resolve) => (resolveChanged = resolve));
    const worker = new ProbeWorker('startup', { ...fast, exec: { command: ['check'] } }, container, {
      host: HOST,
      exec: () => {
        calls++;
        return Promise.resolve({ exitCode: 0, output: '', timedOut: false });
      },
    }, {
      failed: () => undefined,
      changed: (_kind, result) => {
        changes.push(result);
        resolveChanged();
      },
    });
    const keepAlive = setTimeout(() => undefined, 1000);
    try {
      worker.start();
      await changed;
      // Several zero-period rounds of the event loop: a worker still running would probe again.
      for (let round = 0; round < 20; round++) await new Promise((resolve) => setTimeout(resolve, 1));
      assert.equal(calls, 1);
      assert.deepEqual(changes, [true]);
    } finally {
      worker.stop();
      clearTimeout(keepAlive);
    }
  });

  test('while the gate is closed no attempt runs', async () => {
    let opened = 0;
    const gate = (): boolean => ++opened > 3;
    const probe = run('readiness', fast, [true], (changes) => changes.length >= 1, gate);
    await probe.done;
    assert.equal(opened, 4);
    assert.deepEqual(probe.changes, [{ kind: 'readiness', result: true, message: '', afterCalls: 1 }]);
  });

  test('a worker stopped during an attempt reports nothing from it', async () => {
    let release!: (result: ExecResult) => void;
    let started!: () => void;
    const attempted = new Promise<void>((resolve) => (started = resolve));
    const events: string[] = [];
    const worker = new ProbeWorker('liveness', { ...fast, failureThreshold: 1, exec: { command: ['check'] } }, container, {
      host: HOST,
      exec: () => {
        started();
        return new Promise<ExecResult>((resolve) => (release = resolve));
      },
    }, {
      failed: (_kind, message) => events.push(`failed ${message}`),
      changed: (_kind, result) => events.push(`changed ${String(result)}`),
    });
    const keepAlive = setTimeout(() => undefined, 1000);
    try {
      worker.start();
      await attempted;
      worker.stop();
      release({ exitCode: 1, output: 'dead', timedOut: false });
      for (let round = 0; round < 5; round++) await new Promise((resolve) => setTimeout(resolve, 1));
      assert.deepEqual(events, []);
      assert.equal(worker.result, true);
    } finally {
      worker.stop();
      clearTimeout(keepAlive);
    }
  });
});
