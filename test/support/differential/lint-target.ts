/**
 * `hostpod lint -o json` as the differential test runs it: the cases written one file each, one
 * run per namespace configuration (its labels as `--namespace-labels`), each result turned into
 * the outcome the API server's answer would be.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LintResult } from '../../../src/lint/lint.js';
import { runHostpod } from '../hostpod-cli.js';
import type { Outcome } from './outcome.js';

export interface LintFile {
  /** The file's name in the run's directory; results are keyed by it. */
  name: string;
  text: string;
}

interface LintOutput {
  results: (LintResult & { serverWarnings?: string[] })[];
  problems: { file: string; message: string }[];
}

const sortedSet = (items: readonly string[]): string[] => [...new Set(items)].sort();

/** What the API server would have answered, by lint's result. */
export function outcomeOfLint(result: LintResult & { serverWarnings?: string[] }): Outcome {
  const outcome: Outcome = { verdict: 'admitted', errors: [], message: '', reasons: [], warnings: sortedSet(result.serverWarnings ?? []) };
  if (result.badRequest !== undefined) {
    outcome.verdict = 'bad request';
    outcome.message = result.badRequest;
  } else if (!result.valid) {
    outcome.verdict = 'invalid';
    outcome.errors = sortedSet(result.errors.map((e) => `${e.field}: ${e.type}: ${e.message}`));
  } else if (result.kind === 'Pod' && result.podSecurity && !result.podSecurity.allowed) {
    outcome.verdict = 'forbidden';
    outcome.message = `pods "${result.name ?? ''}" is forbidden: ${result.podSecurity.message}`;
    outcome.reasons = result.podSecurity.reasons;
  }
  return outcome;
}

/**
 * Lints `files` (written to `dir`, which must not exist yet) with `args`; the outcome of each
 * file's first object of a case kind, by file name.
 * @throws Error when lint fails without its JSON report
 */
export async function lintFiles(dir: string, files: readonly LintFile[], args: readonly string[]): Promise<Map<string, Outcome>> {
  mkdirSync(dir, { recursive: true });
  for (const file of files) writeFileSync(join(dir, file.name), file.text);
  const run = await runHostpod(['lint', '-o', 'json', ...args, dir]);
  let output: LintOutput;
  try {
    output = JSON.parse(run.stdout) as LintOutput;
  } catch (error) {
    throw new Error(`hostpod lint ${args.join(' ')} exited ${run.code} without a report: ${run.stderr.slice(0, 2000)}`, { cause: error });
  }
  const outcomes = new Map<string, Outcome>();
  for (const result of output.results) {
    const name = basename(result.file);
    if (result.kind === 'Namespace' || outcomes.has(name)) continue;
    outcomes.set(name, outcomeOfLint(result));
  }
  for (const problem of output.problems) {
    const name = basename(problem.file);
    if (!outcomes.has(name)) outcomes.set(name, { verdict: 'unreadable', errors: [], message: problem.message, reasons: [], warnings: [] });
  }
  return outcomes;
}
