/**
 * The differential test of validation and Pod Security on any seed: `npm run diff:validation --
 * --seed N --count M [--no-fixed]` generates M cases from seed N, judges each by a real
 * kube-apiserver, hostpod's control plane and hostpod lint (see test/support/differential/run.ts)
 * and prints every mismatch. --no-fixed leaves out the examples and the conformance fixtures
 * (which CI runs on every seed). Exits 1 when anything disagrees. Run after `npm run build`.
 */
import { parseArgs } from 'node:util';
import { realClusterSkip } from '../test/support/kube-binaries.js';
import { formatMismatch, groupMismatches, runDifferential } from '../test/support/differential/run.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, count: { type: 'string', default: '1000' }, 'no-fixed': { type: 'boolean', default: false } },
});
const seed = Number(values.seed);
const count = Number(values.count);
if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(count) || count < 0) {
  console.error('diff:validation: --seed and --count take whole numbers (for example --seed 7 --count 2000)');
  process.exit(2);
}
const skip = realClusterSkip();
if (skip) {
  console.error(`diff:validation needs the real Kubernetes components: ${skip}`);
  process.exit(2);
}
const started = Date.now();
const report = await runDifferential({ seed, count, fixedCases: !values['no-fixed'], log: (line) => console.log(line) });
for (const m of groupMismatches(report.mismatches)) console.log(formatMismatch(m));
const agreed = report.comparisons - report.mismatches.length;
console.log(`seed ${seed}: ${report.cases} cases, ${report.comparisons} comparisons, ${agreed} agree, ${report.mismatches.length} mismatches ` +
  `(${((Date.now() - started) / 1000).toFixed(1)} s; ${Object.entries(report.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')})`);
process.exitCode = report.mismatches.length > 0 ? 1 : 0;
