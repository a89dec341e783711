/**
 * How fast the hostpod command starts and answers, against `kubectl version --client` (a Go
 * binary that loads nothing), the peer: the median wall time of N runs of `node bin/hostpod.js`
 * for --version, lint of an example manifest, ps and image ls (on a fresh data directory), beside
 * kubectl's median measured in the same run, interleaved with hostpod's so that a busy machine
 * slows both alike. Targets (issue #16): --version at most 1.2x kubectl's, the others at most 2x.
 * `node -e 0` is printed for reference: Node's own start, which no hostpod change can go under
 * (NODE_EXTRA_CA_CERTS, when set, adds the parsing of that bundle to it); the last column is
 * what hostpod adds to it, the figure that holds on a busy machine.
 *
 * Run after `npm run build`: `npm run bench:cli-start` (N=31 runs of each by default).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.env.N ?? 31);
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'hostpod.js');
const EXAMPLE = join(ROOT, 'examples', 'hostprocess.yaml');

if (!existsSync(join(ROOT, 'dist'))) {
  console.error('bench:cli-start runs the built command: npm run build first');
  process.exit(1);
}

const dataDir = mkdtempSync(join(tmpdir(), 'hostpod-bench-cli-'));
const env = { ...process.env, HOSTPOD_DATA_DIR: dataDir };

interface Case {
  name: string;
  command: string;
  args: string[];
  /** The largest ratio to kubectl's median the issue allows; none for the reference rows. */
  target?: number;
}

const KUBECTL: Case = { name: 'kubectl version --client', command: 'kubectl', args: ['version', '--client'] };
const NODE: Case = { name: 'node -e 0 (Node\'s own start)', command: process.execPath, args: ['-e', '0'] };
const CASES: Case[] = [
  { name: 'hostpod --version', command: process.execPath, args: [BIN, '--version'], target: 1.2 },
  { name: 'hostpod lint examples/hostprocess.yaml', command: process.execPath, args: [BIN, 'lint', EXAMPLE], target: 2 },
  { name: 'hostpod ps', command: process.execPath, args: [BIN, 'ps'], target: 2 },
  { name: 'hostpod image ls', command: process.execPath, args: [BIN, 'image', 'ls'], target: 2 },
  NODE,
];

/** One run's wall time in milliseconds; a failed run stops the benchmark. */
function once(c: Case): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(c.command, c.args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error || result.status !== 0) {
    throw new Error(`${c.name} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`);
  }
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

try {
  const all = [KUBECTL, ...CASES];
  // The first run of each warms the page cache (and image ls creates the built-in image).
  for (const c of all) once(c);
  const times = new Map(all.map((c) => [c, [] as number[]]));
  for (let i = 0; i < N; i++) for (const c of all) times.get(c)!.push(once(c));
  const peer = median(times.get(KUBECTL)!);
  const node = median(times.get(NODE)!);
  const rows: string[][] = [['command', 'median ms', 'kubectl ms', 'ratio', 'target', '', 'beyond node -e 0']];
  for (const c of CASES) {
    const ms = median(times.get(c)!);
    const ratio = ms / peer;
    const verdict = c.target === undefined ? '' : ratio <= c.target ? 'ok' : 'over';
    rows.push([c.name, ms.toFixed(1), peer.toFixed(1), ratio.toFixed(2), c.target === undefined ? '' : `<= ${c.target}`, verdict, c === NODE ? '' : `${(ms - node).toFixed(1)} ms`]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`median of ${N} runs each, interleaved${process.env.NODE_EXTRA_CA_CERTS ? '; NODE_EXTRA_CA_CERTS is set' : ''}`);
  for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
