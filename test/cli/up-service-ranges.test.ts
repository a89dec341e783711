/**
 * `hostpod up --service-cluster-ip-range` and `--service-node-port-range` take kube-apiserver's
 * ranges; one it would refuse is a usage error (exit 2) naming the flag, before anything starts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHostpod } from '../support/hostpod-cli.js';

const cases: [string, string[], RegExp][] = [
  ['a range larger than a /12', ['--service-cluster-ip-range', '10.0.0.0/8'], /'--service-cluster-ip-range <cidr>' argument '10\.0\.0\.0\/8' is invalid\. .*the mask must be >= 12/],
  ['an IPv6 range', ['--service-cluster-ip-range', 'fd00::/108'], /expected an IPv4 CIDR such as 10\.96\.0\.0\/12/],
  ['a node port range the wrong way round', ['--service-node-port-range', '32767-30000'], /'--service-node-port-range <range>' argument '32767-30000' is invalid\. .*expected FIRST-LAST/],
];

for (const [what, flags, message] of cases) {
  test(`hostpod up refuses ${what} as a usage error`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostpod-up-ranges-'));
    try {
      const result = await runHostpod(['up', '--data-dir', join(dir, 'data'), '--no-node', ...flags]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.deepEqual(readdirSync(dir), [], 'nothing was started or written');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
