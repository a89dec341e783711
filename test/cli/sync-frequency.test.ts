/**
 * `--sync-frequency` of `hostpod agent` and `hostpod up` takes a Go duration as the kubelet's flag
 * does (`1m0s`, `10s`, `1m30s`); zero, a number without a unit or a duration Node's timers cannot
 * hold is a usage error (exit 2) naming the flag, before anything starts. The flag's effect (a
 * ConfigMap's change reaching its volume within it) is tested in test/e2e/node-agent.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseSyncFrequency } from '../../src/cli/agent.js';
import { runHostpod } from '../support/hostpod-cli.js';

const REFUSED = "expected a duration greater than zero and under 596h, for example 1m0s or 10s";

test('--sync-frequency reads Go durations in milliseconds', () => {
  assert.deepEqual(['1m0s', '10s', '1m30s', '500ms', '2h'].map(parseSyncFrequency), [60_000, 10_000, 90_000, 500, 7_200_000]);
  for (const bad of ['0s', '60', 'often', '-1s', '1000h', '']) assert.throws(() => parseSyncFrequency(bad), (error: unknown) => error instanceof InvalidArgumentError && error.message === REFUSED, bad);
});

for (const [command, value] of [['agent', '0s'], ['up', '60'], ['agent', '1000h']] as const) {
  test(`hostpod ${command} refuses --sync-frequency ${value} as a usage error naming the flag`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostpod-sync-frequency-'));
    try {
      const rest = command === 'agent' ? ['--kubeconfig', join(dir, 'kubeconfig')] : ['--no-node'];
      const result = await runHostpod([command, '--data-dir', join(dir, 'data'), ...rest, '--sync-frequency', value]);
      assert.equal(result.code, 2, result.stderr);
      assert.ok(result.stderr.includes(`'--sync-frequency <duration>' argument '${value}' is invalid. ${REFUSED}`), result.stderr);
      assert.deepEqual(readdirSync(dir), [], 'nothing was started or written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
