/**
 * Admission speed: parse + validate + Pod Security for every conformance fixture in one process,
 * through the same path as `hostpod lint` (loader, decoder, API validation, admission). The
 * target is the whole set in under 3 s on a 2-core machine, so admission never shows in pod
 * start latency.
 *
 *   npm run bench            (fixtures from ../shared/conformance/pod-security)
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifests } from '../src/api/load-manifests.js';
import { lintObjects } from '../src/lint/lint.js';
import { parseVersion, type Level } from '../src/policy/podsecurity/index.js';

const ROOT = process.env['HOSTPOD_CONFORMANCE_DIR'] ?? fileURLToPath(new URL('../../shared/conformance/pod-security', import.meta.url));
const TARGET_SECONDS = 3;
const ROUNDS = 5;

if (!existsSync(ROOT)) {
  console.error(`fixtures not found at ${ROOT}`);
  process.exit(2);
}

const dirs: Array<{ path: string; level: Level; version: string }> = [];
for (const level of ['baseline', 'restricted'] as const) {
  for (const version of readdirSync(join(ROOT, level))) {
    for (const outcome of ['pass', 'fail']) {
      const path = join(ROOT, level, version, outcome);
      if (existsSync(path)) dirs.push({ path, level, version });
    }
  }
}

async function round(): Promise<{ objects: number; seconds: number }> {
  const start = process.hrtime.bigint();
  let objects = 0;
  for (const dir of dirs) {
    const version = parseVersion(dir.version);
    if (!version) throw new Error(`bad version directory ${dir.version}`);
    const { objects: loaded } = await loadManifests([dir.path]);
    objects += lintObjects(loaded, { podSecurity: { level: dir.level, version } }).length;
  }
  return { objects, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

const runs: Array<{ objects: number; seconds: number }> = [];
for (let i = 0; i < ROUNDS; i++) runs.push(await round());
const first = runs[0]!;
const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const median = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;

const row = (name: string, r: { objects: number; seconds: number }): string =>
  `${name.padEnd(16)} ${String(r.objects).padStart(7)} ${r.seconds.toFixed(3).padStart(9)} ${Math.round(r.objects / r.seconds).toString().padStart(10)} ` +
  `${TARGET_SECONDS.toFixed(2).padStart(9)} ${(r.seconds / TARGET_SECONDS).toFixed(3).padStart(7)}`;
console.log(`${'run'.padEnd(16)} ${'objects'.padStart(7)} ${'seconds'.padStart(9)} ${'objects/s'.padStart(10)} ${'target s'.padStart(9)} ${'ratio'.padStart(7)}`);
console.log(row('first (cold)', first));
console.log(row(`median of ${ROUNDS}`, median));
console.log(row(`best of ${ROUNDS}`, best));
console.log(`ratio = seconds / target; below 1.000 meets the target of ${TARGET_SECONDS} s for all fixtures`);
