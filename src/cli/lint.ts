/**
 * `hostpod lint`: would these manifests make valid HostProcess workloads, and would Pod Security
 * admit them?
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { readManifests, type LoadProblem } from '../api/load-manifests.js';
import { Linter, type LintOptions, type LintResult } from '../lint/lint.js';
import { formatProblem, formatResult, Summary } from '../lint/report.js';
import { parseLevelVersion, type LevelVersion } from '../policy/podsecurity/index.js';
import { HostpodError } from '../errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import type { CommandIO } from './io.js';
import { runReported } from './report-errors.js';

interface LintFlags {
  podSecurity?: LevelVersion;
  namespaceLabels?: Record<string, string>;
  allowPrivileged: boolean;
  output: 'text' | 'json';
  recursive?: boolean;
  exemptNamespaces: string[];
  exemptRuntimeClasses: string[];
}

function parsePodSecurity(value: string): LevelVersion {
  const parsed = parseLevelVersion(value);
  if (!parsed) {
    throw new InvalidArgumentError('expected LEVEL[:VERSION], where LEVEL is privileged, baseline or restricted and VERSION is latest or v1.N (for example baseline:v1.30)');
  }
  return parsed;
}

function parseLabels(value: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of value.split(',').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`"${pair}" is not key=value (for example pod-security.kubernetes.io/enforce=baseline)`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

function parseBoolean(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('expected true or false');
}

const parseList = (value: string): string[] => value.split(',').filter((v) => v !== '');

/** Adds the lint command to `program`; its action sets `exit.code`. */
export function lintCommand(io: CommandIO, exit: { code: number }): Command {
  return new Command('lint')
    .description('check manifests as the API server would: HostProcess rules, pod validation and Pod Security')
    .argument('<paths...>', 'manifest files or directories (.yaml, .yml, .json); - reads standard input')
    .addOption(new Option('--pod-security <level[:version]>', 'evaluate at this Pod Security level, as if the namespace enforced it').argParser(parsePodSecurity))
    .addOption(new Option('--namespace-labels <k=v,...>', "labels of the objects' namespaces (pod-security.kubernetes.io/enforce=baseline,...)").argParser(parseLabels))
    .addOption(new Option('--allow-privileged <true|false>', "kube-apiserver's --allow-privileged").argParser(parseBoolean).default(true))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(new Option('-R, --recursive', 'also read the subdirectories of directories'))
    .addOption(new Option('--exempt-namespaces <ns,...>', 'namespaces exempt from Pod Security').argParser(parseList).default([]))
    .addOption(new Option('--exempt-runtime-classes <name,...>', 'runtime classes exempt from Pod Security').argParser(parseList).default([]))
    .action((paths: string[], flags: LintFlags) => runReported(io, exit, async () => {
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
      if (summary.problems > 0) {
        exit.code = EXIT_USAGE;
      } else if (summary.objects === 0) {
        throw new HostpodError('ERR_HOSTPOD_NO_OBJECTS', `no objects found in ${paths.join(', ')}`, { hint: 'pass files with Kubernetes objects (.yaml, .yml or .json)' });
      } else {
        exit.code = summary.failed > 0 ? EXIT_FAILED : EXIT_OK;
      }
    }));
}
