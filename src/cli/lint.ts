/**
 * `hostpod lint`: would these manifests make valid HostProcess workloads, and would Pod Security
 * admit them?
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadManifests } from '../api/load-manifests.js';
import { failed, lintObjects, type LintOptions } from '../lint/lint.js';
import { formatText } from '../lint/report.js';
import { parseLevelVersion, type LevelVersion } from '../policy/podsecurity/index.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CommandIO } from './io.js';

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
    .action(async (paths: string[], flags: LintFlags) => {
      const loaded = await loadManifests(paths, { recursive: flags.recursive ?? false, stdin: io.stdin });
      const options: LintOptions = {
        allowPrivileged: flags.allowPrivileged,
        exemptions: { namespaces: flags.exemptNamespaces, runtimeClasses: flags.exemptRuntimeClasses, usernames: [] },
        ...(flags.podSecurity ? { podSecurity: flags.podSecurity } : {}),
        ...(flags.namespaceLabels ? { namespaceLabels: flags.namespaceLabels } : {}),
      };
      const results = lintObjects(loaded.objects, options);
      if (flags.output === 'json') {
        io.stdout.write(`${JSON.stringify({ results, problems: loaded.problems }, null, 2)}\n`);
      } else {
        io.stdout.write(formatText(results, loaded.problems));
      }
      if (loaded.problems.length > 0) {
        exit.code = EXIT_USAGE;
      } else if (results.length === 0) {
        io.stderr.write(`error: no objects found in ${paths.join(', ')}\n`);
        exit.code = EXIT_USAGE;
      } else {
        exit.code = results.some(failed) ? EXIT_FAILED : EXIT_OK;
      }
    });
}
