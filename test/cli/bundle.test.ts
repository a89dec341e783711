/**
 * The built command (npm run build): one bundle, run from the V8 code cache the build recorded.
 * (The monitor binary found from the bundle: test/e2e/run-cli.test.ts runs containers with it.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { HOSTPOD_BIN } from '../support/hostpod-cli.js';

const ROOT = join(import.meta.dirname, '../..');

/** Runs `script` in a plain node (no test runner or tsx flags, which V8 could count against the cache). */
function node(script: string): string {
  const result = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

test('bin/hostpod.js runs the bundle from its code cache, which V8 accepts', () => {
  const rejected = node(`const { loadBundle } = require(${JSON.stringify(HOSTPOD_BIN)}); process.stdout.write(String(loadBundle().script.cachedDataRejected))`);
  assert.equal(rejected, 'false', 'the cache was refused: every start compiles the bundle (rebuild with this node: npm run build)');
});

test('-V beside another argument is answered by the bundle, with package.json\'s version', () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  // bin/hostpod.js answers a lone --version itself; here commander does, from the version the bundle carries.
  const result = spawnSync(process.execPath, [HOSTPOD_BIN, '-V', 'lint'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `${version}\n`);
});
