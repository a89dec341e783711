/**
 * `hostpod up` on a port something else holds: a failure (exit 1) that names the address, the flag
 * that sets it and the process holding it, never an internal error with a stack; an address that
 * is not this host's is a usage error (exit 2) naming the flag.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runHostpod } from '../support/hostpod-cli.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

const base = mkdtempSync(join(tmpdir(), 'hostpod-up-port-'));
let holder: Server;
let port = 0;
before(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  port = (holder.address() as AddressInfo).port;
});
after(async () => {
  await new Promise<void>((resolve) => holder.close(() => resolve()));
  rmSync(base, { recursive: true, force: true });
});

/** The exit and stderr of a `hostpod up` that must refuse to start. */
async function refused(name: string, args: string[]) {
  const result = await runHostpod(['up', '--data-dir', join(base, name), ...args]);
  assert.equal(result.code, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, 'no stack, no "internal error"');
  return result.stderr;
}

describe('hostpod up on a port already in use', { timeout: 120_000 }, () => {
  test('the API port names the address, --listen and the process holding it', async () => {
    const stderr = await refused('api', ['--listen', `127.0.0.1:${port}`, '--no-node']);
    assert.match(stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(--listen\\)`));
    assert.match(stderr, new RegExp(`held by node \\(pid ${process.pid}:`), 'this test process holds the port');
    assert.match(stderr, /hint: .*--listen HOST:PORT/);
  });

  test('the kubelet port names the address, --kubelet-port and the process holding it', { skip: rootSkip() }, async () => {
    const stderr = await refused('kubelet', ['--listen', '127.0.0.1:0', '--kubelet-port', String(port)]);
    assert.match(stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(--kubelet-address, --kubelet-port\\) for the node's kubelet endpoint`));
    assert.match(stderr, new RegExp(`held by node \\(pid ${process.pid}:`));
    assert.match(stderr, /hint: .*--kubelet-port PORT/);
    assert.match(stderr, /a kubelet already on this host cannot share its port/);
    await removeAllContainers(join(base, 'kubelet'));
  });

  for (const [flag, args] of [
    ['--listen', ['--listen', '192.0.2.1:0', '--no-node']],
    ['--kubelet-address', ['--listen', '127.0.0.1:0', '--kubelet-address', '192.0.2.1', '--kubelet-port', '0']],
  ] as const) {
    test(`an address not on this host (${flag}) is a usage error naming the flag`, { skip: flag === '--kubelet-address' && rootSkip() }, async () => {
      const result = await runHostpod(['up', '--data-dir', join(base, `not-local${flag}`), ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.doesNotMatch(result.stderr, /internal error|\n\s+at /);
      assert.match(result.stderr, new RegExp(`cannot listen on 192\\.0\\.2\\.1:0 \\(${flag}.*: 192\\.0\\.2\\.1 is not an address of this host`));
      assert.match(result.stderr, new RegExp(`hint: give ${flag} one of this host's addresses`));
      await removeAllContainers(join(base, `not-local${flag}`));
    });
  }

  test('a port another hostpod up holds names it as such', async () => {
    const dir = join(base, 'first');
    const apiPort = 18900 + Math.floor(Math.random() * 90);
    let first: UpProcess | undefined;
    try {
      first = await startUp(dir, apiPort, ['--no-node']);
      const stderr = await refused('second', ['--listen', `127.0.0.1:${apiPort}`, '--no-node']);
      assert.match(stderr, new RegExp(`held by another hostpod up \\(pid ${first.child.pid}\\)`));
    } finally {
      await first?.stop();
    }
  });
});
