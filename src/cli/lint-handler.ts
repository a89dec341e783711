/** What `hostpod lint` does: reads the manifests, lints each object and prints the results. */
import type { Position } from '../api/locate-field.js';
import { readManifests, type LoadProblem, type ManifestObject } from '../api/load-manifests.js';
import { HostpodError } from '../errors.js';
import { Linter, type LintOptions, type LintResult } from '../lint/lint.js';
import { toJunit } from '../lint/junit.js';
import { renderPaths } from '../lint/render.js';
import { formatProblem, formatResult, Summary } from '../lint/report.js';
import { toSarif } from '../lint/sarif.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import type { CommandIO } from './io.js';
import type { LintFlags } from './lint.js';
import type { ClusterInfo, LintServer } from './lint-server.js';

/**
 * Lints the manifests at `paths` and prints the results (text as they come, or one JSON document).
 * With --server, each object is also dry-run on the kubeconfig's cluster (see lint/server).
 * @returns the exit code: 0 all valid and allowed, 1 findings (with --server: the server refused
 *   an object, or could not judge it), 2 unreadable input
 * @throws HostpodError ERR_HOSTPOD_NO_OBJECTS when the paths hold no object at all; with
 *   --server, the errors of connectLintServer
 */
export async function lintFiles(paths: string[], flags: LintFlags, io: CommandIO): Promise<number> {
  if (!flags.server && (flags.kubeconfig !== undefined || flags.context !== undefined)) {
    throw new HostpodError('ERR_HOSTPOD_USAGE', `${flags.kubeconfig === undefined ? '--context' : '--kubeconfig'} chooses the cluster of --server, which is not given`, {
      hint: 'add --server to ask that cluster for its verdict too, or leave the option out',
    });
  }
  // Loaded only with --server: plain lint starts without the API client.
  const server = flags.server
    ? await (await import('./lint-server.js')).connectLintServer({
      ...(flags.kubeconfig === undefined ? {} : { kubeconfig: flags.kubeconfig }),
      ...(flags.context === undefined ? {} : { context: flags.context }),
    })
    : undefined;
  try {
    const rendered = await renderPaths(paths, process.env, [...flags.values.flatMap((f) => ['--values', f]), ...flags.set.flatMap((v) => ['--set', v])]);
    try {
      return await lintWith(rendered.paths, flags, io, server, rendered.origin, paths);
    } finally {
      await rendered.cleanup();
    }
  } finally {
    server?.close();
  }
}

type Origin = (file: string, line: number) => { file: string; line: number };

async function lintWith(
  paths: string[], flags: LintFlags, io: CommandIO, server: LintServer | undefined, origin: Origin, given: string[],
): Promise<number> {
  const options: LintOptions = {
    allowPrivileged: flags.allowPrivileged,
    exemptions: { namespaces: flags.exemptNamespaces, runtimeClasses: flags.exemptRuntimeClasses, usernames: [] },
    ...(flags.podSecurity ? { podSecurity: flags.podSecurity } : {}),
    ...(flags.namespaceLabels ? { namespaceLabels: flags.namespaceLabels } : {}),
    ...(flags.containerd ? { containerd: flags.containerd } : {}),
  };
  // JSON, SARIF and JUnit are one document each, so their results are kept (they are small).
  const whole = flags.output !== 'text';
  const linter: { lint(source: ManifestObject): LintResult | Promise<LintResult> } = server ? server.linter(options) : new Linter(options);
  const summary = new Summary();
  if (server && flags.output === 'text') io.stdout.write(`${clusterLine(server.info)}\n`);
  const results: LintResult[] = [];
  const problems: LoadProblem[] = [];
  const locators = new Map<LintResult, (field: string) => Position | undefined>();
  for await (const item of readManifests(paths, { recursive: flags.recursive ?? false, stdin: io.stdin })) {
    if (item.type === 'problem') {
      const { file, line } = item.problem;
      const mapped = origin(file, line ?? 1);
      const problem: LoadProblem = { ...item.problem, file: mapped.file, ...(line === undefined ? {} : { line: mapped.line }) };
      summary.problem();
      if (whole) problems.push(problem);
      else io.stderr.write(`${formatProblem(problem)}\n`);
      continue;
    }
    const place = origin(item.object.file, item.object.line);
    const result = await linter.lint({ ...item.object, ...place });
    summary.add(result);
    if (whole) results.push(result);
    else io.stdout.write(formatResult(result));
    // Field positions are in the file that was read: not for a rendered chart's temporary file.
    if (whole && item.object.locate && place.file === item.object.file) locators.set(result, item.object.locate);
  }
  if (flags.output === 'json') io.stdout.write(`${JSON.stringify({ ...(server ? { cluster: server.info } : {}), results, problems }, null, 2)}\n`);
  else if (flags.output === 'sarif') io.stdout.write(`${JSON.stringify(toSarif(results, problems, (r, field) => locators.get(r)?.(field)), null, 2)}\n`);
  else if (flags.output === 'junit') io.stdout.write(toJunit(results, problems));
  else io.stdout.write(`${summary.toString()}\n`);
  // Unreadable input wins over findings: what it holds was not checked at all.
  if (summary.problems > 0) return EXIT_USAGE;
  if (summary.objects === 0) {
    throw new HostpodError('ERR_HOSTPOD_NO_OBJECTS', `no objects found in ${given.join(', ')}`, { hint: 'pass files with Kubernetes objects (.yaml, .yml or .json)' });
  }
  return summary.failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/** The report's first line with --server: which cluster answers. */
function clusterLine(info: ClusterInfo): string {
  return `server ${info.server} (Kubernetes ${info.version}), context "${info.context}", namespace "${info.namespace}"`;
}
