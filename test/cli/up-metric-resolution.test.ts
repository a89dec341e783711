/**
 * `hostpod up --metric-resolution` takes a duration as metrics-server's flag does (`15s`, `1m`,
 * `1500ms`); anything else, or less than a second, is a usage error (exit 2) naming the flag,
 * before anything starts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseResolution } from '../../src/cli/up.js';
import { runHostpod } from '../support/hostpod-cli.js';

test('--metric-resolution reads Go-style durations in milliseconds', () => {
  assert.deepEqual(['15s', '1m', '1500ms', '2.5s', '1m30s'].map(parseResolution), [15_000, 60_000, 1_500, 2_500, 90_000]);
  for (const bad of ['500ms', '15', 'fast', '0s', '-1s']) assert.throws(() => parseResolution(bad), InvalidArgumentError, bad);
});

for (const value of ['500ms', 'often']) {
  test(`hostpod up refuses --metric-resolution ${value} as a usage error`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostpod-up-resolution-'));
    try {
      const result = await runHostpod(['up', '--data-dir', join(dir, 'data'), '--no-node', '--metric-resolution', value]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`'--metric-resolution <duration>' argument '${value}' is invalid\\. expected a duration of at least 1s, for example 15s or 1m`));
      assert.deepEqual(readdirSync(dir), [], 'nothing was started or written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
