/**
 * Differential validation and Pod Security (issue 17): every generated case (5,000 from a fixed
 * seed), every example manifest and every upstream Pod Security conformance fixture goes as a
 * dry run to a real kube-apiserver in namespaces of each Pod Security level and version, to one
 * started with --allow-privileged=false, to hostpod's control plane, and through hostpod lint;
 * whatever any of them answers otherwise than the real API server is a mismatch, and fails the
 * test. See test/support/differential/ and docs/policy.md#the-differential-test.
 *
 *   HOSTPOD_DIFF_SEED=n     another seed (npm run diff:validation -- --seed n runs any seed too)
 *   HOSTPOD_DIFF_COUNT=n    how many generated cases (default 5000)
 *
 * Runs the built command (hostpod up --no-node, hostpod lint): npm run build first.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { componentVersions, realClusterSkip } from '../support/kube-binaries.js';
import { formatMismatch, groupMismatches, runDifferential } from '../support/differential/run.js';

const SEED = Number(process.env['HOSTPOD_DIFF_SEED'] ?? 17_001);
const COUNT = Number(process.env['HOSTPOD_DIFF_COUNT'] ?? 5000);

describe('differential validation', { skip: realClusterSkip(), timeout: 600_000 }, () => {
  test(`validation and Pod Security agree with kube-apiserver on ${COUNT} cases of seed ${SEED}, the examples and the conformance fixtures`, async (t) => {
    t.diagnostic(componentVersions().split('\n')[1] ?? '');
    const started = Date.now();
    const report = await runDifferential({ seed: SEED, count: COUNT, log: (line) => t.diagnostic(line) });
    const agreed = report.comparisons - report.mismatches.length;
    t.diagnostic(`${report.cases} cases, ${report.comparisons} comparisons: ${agreed} agree (${((100 * agreed) / report.comparisons).toFixed(2)}%), ` +
      `${report.mismatches.length} mismatches, in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
      `(${Object.entries(report.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')})`);
    assert.ok(report.cases >= COUNT, `only ${report.cases} cases`);
    assert.deepEqual(groupMismatches(report.mismatches).map(formatMismatch), []);
  });
});
