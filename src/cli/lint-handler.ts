/** What `hostpod lint` does: reads the manifests, lints each object and prints the results. */
import { readManifests, type LoadProblem } from '../api/load-manifests.js';
import { HostpodError } from '../errors.js';
import { Linter, type LintOptions, type LintResult } from '../lint/lint.js';
import { formatProblem, formatResult, Summary } from '../lint/report.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import type { CommandIO } from './io.js';
import type { LintFlags } from './lint.js';

/**
 * Lints the manifests at `paths` and prints the results (text as they come, or one JSON document).
 * @returns the exit code: 0 all valid and allowed, 1 findings, 2 unreadable input
 * @throws HostpodError ERR_HOSTPOD_NO_OBJECTS when the paths hold no object at all
 */
export async function lintFiles(paths: string[], flags: LintFlags, io: CommandIO): Promise<number> {
  const options: LintOptions = {
    allowPrivileged: flags.allowPrivileged,
    exemptions: { namespaces: flags.exemptNamespaces, runtimeClasses: flags.exemptRuntimeClasses, usernames: [] },
    ...(flags.podSecurity ? { podSecurity: flags.podSecurity } : {}),
    ...(flags.namespaceLabels ? { namespaceLabels: flags.namespaceLabels } : {}),
  };
  const linter = new Linter(options);
  const summary = new Summary();
  // JSON is one document, so results are kept (they are small); text is written as it comes.
  const results: LintResult[] = [];
  const problems: LoadProblem[] = [];
  for await (const item of readManifests(paths, { recursive: flags.recursive ?? false, stdin: io.stdin })) {
    if (item.type === 'problem') {
      const { problem } = item;
      summary.problem();
      if (flags.output === 'json') problems.push(problem);
      else io.stderr.write(`${formatProblem(problem)}\n`);
      continue;
    }
    const result = linter.lint(item.object);
    summary.add(result);
    if (flags.output === 'json') results.push(result);
    else io.stdout.write(formatResult(result));
  }
  if (flags.output === 'json') io.stdout.write(`${JSON.stringify({ results, problems }, null, 2)}\n`);
  else io.stdout.write(`${summary.toString()}\n`);
  // Unreadable input wins over findings: what it holds was not checked at all.
  if (summary.problems > 0) return EXIT_USAGE;
  if (summary.objects === 0) {
    throw new HostpodError('ERR_HOSTPOD_NO_OBJECTS', `no objects found in ${paths.join(', ')}`, { hint: 'pass files with Kubernetes objects (.yaml, .yml or .json)' });
  }
  return summary.failed > 0 ? EXIT_FAILED : EXIT_OK;
}
