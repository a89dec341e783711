/**
 * `hostpod up` and `hostpod agent` give V8 four times its TurboFan threshold before their servers
 * start (src/cli/server-tiering.ts): TurboFan then optimizes only the code that stays hot. The
 * first test holds the flag to what it does in this Node's V8: set through `v8.setFlagsFromString`
 * while the process runs, a hot function reaches TurboFan after about four times the calls; a V8
 * that renamed or ignored the flag fails it. The second holds `hostpod up` to setting it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { serverV8Flags } from '../../src/cli/server-tiering.js';
import { startUp, type UpProcess } from '../support/hostpod-up.js';

const MODULE = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'cli', 'server-tiering.ts')).href;

/** Calls of a small hot function until V8 has optimized it, in a fresh process. */
async function callsUntilOptimized(withServerTiering: boolean): Promise<number> {
  // %GetOptimizationStatus is V8's test intrinsic; bit 6 is "TurboFan" (bit 4, "optimized", is
  // Maglev's too where Maglev is on). Compiling on this thread (--no-concurrent-recompilation)
  // makes the count exact rather than depend on a helper thread.
  const script = `
    ${withServerTiering ? `(await import(${JSON.stringify(MODULE)})).useServerTiering();` : ''}
    const status = new Function('f', 'return %GetOptimizationStatus(f)');
    function hot(values) { let sum = 0; for (let i = 0; i < 20; i++) sum += values[i % values.length]; return sum; }
    let calls = 0;
    while ((status(hot) & 64) === 0 && calls < 1e6) { hot([1, 2, 3]); calls++; }
    process.stdout.write(String(calls));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--allow-natives-syntax', '--no-concurrent-recompilation', '--input-type=module', '-e', script]);
  return Number(stdout);
}

test('the servers\' V8 flag makes TurboFan wait for four times the calls, set while the process runs', async () => {
  const plain = await callsUntilOptimized(false);
  const tuned = await callsUntilOptimized(true);
  assert.ok(plain > 0 && plain < 1e6, `V8 optimized the hot function after ${plain} calls`);
  assert.ok(tuned >= 3 * plain, `with ${serverV8Flags()}, TurboFan took ${tuned} calls against ${plain} without`);
});

test('the flag follows V8\'s version: a bytecode budget in V8 11, a call count from V8 12 on', () => {
  assert.equal(serverV8Flags('11.3.244.8-node.33'), '--interrupt-budget=270336');
  assert.equal(serverV8Flags('12.4.254.21-node.33'), '--invocation-count-for-turbofan=12000');
  assert.equal(serverV8Flags('13.6.233.10-node.24'), '--invocation-count-for-turbofan=12000');
  assert.equal(serverV8Flags('10.2.154.26-node.26'), undefined);
});

test('hostpod up sets the servers\' V8 flag before its control plane starts, and logs it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-tiering-'));
  let up: UpProcess | undefined;
  try {
    up = await startUp(join(dir, 'data'), 0, ['--no-node']);
    const text = up.log().split('\n').filter(Boolean);
    assert.deepEqual(text.filter((line) => !line.startsWith('{')), [], 'stderr holds JSON log lines only (V8 prints a flag it does not know there)');
    const lines = text.map((line) => JSON.parse(line) as { v8Flags?: string });
    const tiering = lines.findIndex((line) => line.v8Flags !== undefined);
    assert.ok(tiering >= 0, up.log());
    assert.equal(lines[tiering]!.v8Flags, serverV8Flags());
    assert.ok(serverV8Flags() !== undefined, `hostpod knows the flag for V8 ${process.versions.v8}`);
    const ready = lines.findIndex((line) => JSON.stringify(line).includes('control plane ready'));
    assert.ok(ready > tiering, `the flag is set before the control plane is ready:\n${up.log()}`);
  } finally {
    await up?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
