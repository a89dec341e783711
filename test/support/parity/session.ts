/**
 * One scripted kubectl session run step by step against two control planes, the real one and
 * `hostpod up`: each step runs the same kubectl command on both (at once), and what each printed
 * (stdout, stderr, exit code), normalized, is compared line by line. Steps that only prepare or
 * wait are run on both and not compared.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { lineDiff, type Hunk } from './line-diff.js';
import { normalize, type NormalizeOptions } from './normalize.js';

export type SideName = 'real' | 'hostpod';

/** One control plane of the two, as the session sees it. */
export interface Side {
  name: SideName;
  /** The working directory kubectl runs in: the session's files, named relatively in commands. */
  dir: string;
  /** Kubeconfigs by user: `admin`, and those `asUser` adds. */
  kubeconfigs: Map<string, string>;
  /** Values captured from this side's output, for `%{name}` in later arguments and files. */
  vars: Map<string, string>;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export type Stream = 'stdout' | 'stderr' | 'exit code';

/** One way a step's output differed, after normalization. */
export interface Difference extends Hunk {
  step: string;
  stream: Stream;
}

/** A step as both sides ran it, for the transcript. */
export interface Compared {
  step: string;
  args: string[];
  real: Run;
  hostpod: Run;
}

export interface StepOptions {
  /** The kubeconfig's user (default admin). */
  user?: string;
  /** Environment variables kubectl gets besides PATH and HOME (KUBE_EDITOR for kubectl edit). */
  env?: Record<string, string>;
  /** A normalization of this step's output alone, before it is compared: for a field the real controllers leave to a race. */
  rewrite?: (text: string) => string;
}

export interface SessionOptions {
  /** The kubectl binary both sides are driven with. */
  kubectl: string;
  /** Each side's admin kubeconfig. */
  kubeconfigs: Record<SideName, string>;
  /** What to do with managedFields in outputs (default: drop them). */
  normalize?: NormalizeOptions;
  /** A normalization of the session's own, after the common one (a Service's allocated addresses). */
  rewrite?: (text: string) => string;
}

const SETTLE_MS = 30_000;

function substitute(text: string, side: Side): string {
  // %{name}: no kubectl argument form uses it (jsonpath and go-templates take { and {{).
  return text.replace(/%\{(\w+)\}/g, (_whole, name: string) => {
    const value = side.vars.get(name);
    if (value === undefined) throw new Error(`${side.name}: %{${name}} was not captured before it was used (in ${text})`);
    return value;
  });
}

/** Runs a scripted kubectl session on two control planes and collects how their outputs differ. */
export class ParitySession {
  readonly sides: readonly [Side, Side];
  readonly differences: Difference[] = [];
  readonly transcript: Compared[] = [];
  readonly #names = new Set<string>();
  readonly #kubectl: string;
  readonly #normalize: (text: string) => string;

  constructor(options: SessionOptions) {
    this.#kubectl = options.kubectl;
    const common = options.normalize ?? {};
    const extra = options.rewrite;
    this.#normalize = (text) => (extra ? extra(normalize(text, common)) : normalize(text, common));
    const side = (name: SideName): Side => ({
      name, dir: mkdtempSync(join(tmpdir(), `hostpod-parity-${name}-`)),
      kubeconfigs: new Map([['admin', options.kubeconfigs[name]]]), vars: new Map(),
    });
    this.sides = [side('real'), side('hostpod')];
  }

  /** kubectl's arguments on one side: its kubeconfig for `user`, its own discovery cache, its values. */
  #argv(side: Side, args: readonly string[], options: StepOptions): string[] {
    const kubeconfig = side.kubeconfigs.get(options.user ?? 'admin');
    if (!kubeconfig) throw new Error(`${side.name}: no kubeconfig for user ${options.user}`);
    return [`--kubeconfig=${kubeconfig}`, `--cache-dir=${join(side.dir, '.kube-cache')}`, ...args.map((a) => substitute(a, side))];
  }

  /** Where and how kubectl runs: in the side's directory, with none of this process's KUBECONFIG or settings. */
  #spawnOptions(side: Side): { cwd: string; env: NodeJS.ProcessEnv } {
    return { cwd: side.dir, env: { PATH: process.env['PATH'] ?? '', HOME: side.dir } };
  }

  /** Runs kubectl on one side, in its directory, with its kubeconfig for `user`. */
  run(side: Side, args: readonly string[], options: StepOptions = {}): Promise<Run> {
    const argv = this.#argv(side, args, options);
    return new Promise((resolve) => {
      const spawnOptions = this.#spawnOptions(side);
      const env = { ...spawnOptions.env, ...options.env };
      execFile(this.#kubectl, argv, { ...spawnOptions, env, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Runs `args` on both sides at once and compares what they printed. */
  async step(name: string, args: readonly string[], options: StepOptions = {}): Promise<[Run, Run]> {
    const runs = await Promise.all(this.sides.map((side) => this.run(side, args, options))) as [Run, Run];
    const { rewrite } = options;
    this.#compare(name, args, rewrite ? runs.map((run) => ({ ...run, stdout: rewrite(run.stdout), stderr: rewrite(run.stderr) })) as [Run, Run] : runs);
    return runs;
  }

  /**
   * Runs `args` on both sides, each until `done` holds (controllers settle at their own pace), not
   * compared; `withinMs` (default 30 s) is how long each side is given, longer where the real
   * control plane's own bound is.
   */
  async settle(what: string, args: readonly string[], done: (run: Run) => boolean, options: StepOptions & { withinMs?: number } = {}): Promise<void> {
    const within = options.withinMs ?? SETTLE_MS;
    await Promise.all(this.sides.map(async (side) => {
      const deadline = Date.now() + within;
      for (;;) {
        const run = await this.run(side, args, options);
        if (done(run)) return;
        if (Date.now() > deadline) throw new Error(`${side.name}: ${what} did not happen in ${within} ms; kubectl ${args.join(' ')} said: ${run.stdout}${run.stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }));
  }

  /** Runs `args` on both sides, not compared, and keeps each side's trimmed stdout as `%{name}`. */
  async capture(name: string, args: readonly string[], options: StepOptions = {}): Promise<void> {
    await Promise.all(this.sides.map(async (side) => {
      const run = await this.run(side, args, options);
      if (run.code !== 0) throw new Error(`${side.name}: capturing %{${name}}: kubectl ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
      side.vars.set(name, run.stdout.trim());
    }));
  }

  /** Writes a file into both sides' directories; `%{name}` is each side's captured value. */
  write(file: string, content: string): void {
    for (const side of this.sides) writeFileSync(join(side.dir, file), substitute(content, side));
  }

  /** A kubeconfig on each side for `user`, authenticating with the token captured as `%{tokenVar}`. */
  asUser(user: string, tokenVar: string): void {
    for (const side of this.sides) {
      const admin = parse(readFileSync(side.kubeconfigs.get('admin')!, 'utf8')) as { clusters: { name: string }[] };
      const cluster = admin.clusters[0]!;
      const config = {
        apiVersion: 'v1', kind: 'Config', clusters: [cluster],
        users: [{ name: user, user: { token: substitute(`%{${tokenVar}}`, side) } }],
        contexts: [{ name: user, context: { cluster: cluster.name, user } }], 'current-context': user,
      };
      const path = join(side.dir, `${user}.kubeconfig`);
      writeFileSync(path, stringify(config), { mode: 0o600 });
      side.kubeconfigs.set(user, path);
    }
  }

  /**
   * `kubectl get --watch` on both sides while `during` runs (its steps compared as usual), until
   * each watch printed `lines` lines; then the watches' output is compared. Their exit (killed)
   * is not.
   */
  async watch(name: string, args: readonly string[], during: () => Promise<void>, lines: number): Promise<void> {
    const watches = this.sides.map((side) => {
      const child = spawn(this.#kubectl, this.#argv(side, args, {}), { ...this.#spawnOptions(side), stdio: ['ignore', 'pipe', 'pipe'] });
      const run: Run = { code: 0, stdout: '', stderr: '' };
      child.stdout.on('data', (c: Buffer) => (run.stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (run.stderr += c.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return { side, child, run, exited };
    });
    // Whether every watch printed what `done` wants within `ms`.
    const seen = async (done: (run: Run) => boolean, ms: number): Promise<boolean> => {
      const deadline = Date.now() + ms;
      while (!watches.every((w) => done(w.run))) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    };
    try {
      // The initial list is printed before the changes begin; an empty one prints nothing, so a
      // moment stands in for it.
      await seen((run) => run.stdout.length > 0, 2000);
      await during();
      if (!(await seen((run) => run.stdout.split('\n').length - 1 >= lines, SETTLE_MS))) {
        throw new Error(`${name}: not every watch printed ${lines} lines in ${SETTLE_MS} ms: ${watches.map((w) => `${w.side.name}:\n${w.run.stdout}${w.run.stderr}`).join('\n')}`);
      }
      // A moment for anything beyond the expected lines, which is a difference too.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      for (const w of watches) w.child.kill('SIGTERM');
      await Promise.all(watches.map((w) => w.exited));
    }
    this.#compare(name, args, [watches[0]!.run, watches[1]!.run]);
  }

  #compare(step: string, args: readonly string[], [real, hostpod]: [Run, Run]): void {
    if (this.#names.has(step)) throw new Error(`two steps are named ${step}: the known differences tell steps apart by name`);
    this.#names.add(step);
    this.transcript.push({ step, args: [...args], real, hostpod });
    const streams: [Stream, string, string][] = [
      ['stdout', this.#normalize(real.stdout), this.#normalize(hostpod.stdout)],
      ['stderr', this.#normalize(real.stderr), this.#normalize(hostpod.stderr)],
      ['exit code', String(real.code), String(hostpod.code)],
    ];
    for (const [stream, a, b] of streams) {
      if (a === b) continue;
      for (const hunk of lineDiff(a, b)) this.differences.push({ step, stream, ...hunk });
    }
  }

  /** Every compared step's normalized output on both sides, for reading a difference in context. */
  transcriptText(): string {
    return this.transcript.map(({ step, args, real, hostpod }) => [
      `### ${step}: kubectl ${args.join(' ')}`,
      ...([['real', real], ['hostpod', hostpod]] as const).map(([side, run]) =>
        `--- ${side} (exit ${run.code})\n${this.#normalize(run.stdout)}\n--- ${side} stderr\n${this.#normalize(run.stderr)}`),
    ].join('\n')).join('\n\n') + '\n';
  }

  /** Removes both sides' directories. */
  close(): void {
    for (const side of this.sides) rmSync(side.dir, { recursive: true, force: true });
  }
}
