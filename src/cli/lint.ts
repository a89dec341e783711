/**
 * `hostpod lint`: would these manifests make valid HostProcess workloads, and would Pod Security
 * admit them? The command line; the work is in lint-handler.ts, loaded when the command runs.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
// level.js, not the folder's index: the index builds every check, which only the handlers need.
import { parseLevelVersion, type LevelVersion } from '../policy/podsecurity/level.js';
import type { CommandIO } from './io.js';
import { runReported } from './report-errors.js';

export interface LintFlags {
  podSecurity?: LevelVersion;
  namespaceLabels?: Record<string, string>;
  allowPrivileged: boolean;
  output: 'text' | 'json' | 'sarif' | 'junit';
  containerd?: '1.6' | '1.7';
  recursive?: boolean;
  exemptNamespaces: string[];
  exemptRuntimeClasses: string[];
  server?: boolean;
  kubeconfig?: string;
  context?: string;
  /** Values files for `helm template` (-f), in order. */
  values: string[];
  /** `helm template --set` assignments, in order. */
  set: string[];
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
const repeat = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds the lint command to `program`; its action sets `exit.code`. */
export function lintCommand(io: CommandIO, exit: { code: number }): Command {
  return new Command('lint')
    .description('check manifests as the API server would: HostProcess rules, pod validation and Pod Security')
    .argument('<paths...>', 'manifest files or directories (.yaml, .yml, .json), Helm charts (helm template), kustomizations (kubectl kustomize); - reads standard input')
    .addOption(new Option('--pod-security <level[:version]>', 'evaluate at this Pod Security level, as if the namespace enforced it').argParser(parsePodSecurity))
    .addOption(new Option('--namespace-labels <k=v,...>', "labels of the objects' namespaces (pod-security.kubernetes.io/enforce=baseline,...)").argParser(parseLabels))
    .addOption(new Option('--allow-privileged <true|false>', "kube-apiserver's --allow-privileged").argParser(parseBoolean).default(true))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'sarif', 'junit']).default('text'))
    .addOption(new Option('--containerd <version>', 'advise on what changes for HostProcess containers when the nodes run this containerd (1.7: volumes bound at their mountPath; 1.6: symlinks in the sandbox folder)').choices(['1.6', '1.7']))
    .addOption(new Option('-R, --recursive', 'also read the subdirectories of directories'))
    .addOption(new Option('--exempt-namespaces <ns,...>', 'namespaces exempt from Pod Security').argParser(parseList).default([]))
    .addOption(new Option('--exempt-runtime-classes <name,...>', 'runtime classes exempt from Pod Security').argParser(parseList).default([]))
    .addOption(new Option('--values <file>', 'for Helm charts: a values file helm template reads (repeatable, later ones win)').argParser(repeat).default([]))
    .addOption(new Option('--set <key=value>', 'for Helm charts: a value helm template sets, as helm --set (repeatable)').argParser(repeat).default([]))
    .addOption(new Option('--server', "also ask a cluster: each object's server-side dry run, as kubectl apply --dry-run=server, its verdict printed beside hostpod's"))
    .addOption(new Option('--kubeconfig <file>', 'with --server: the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)'))
    .addOption(new Option('--context <name>', "with --server: the kubeconfig's context (default: its current context)"))
    .action((paths: string[], flags: LintFlags) => runReported(io, exit, async () => {
      const { lintFiles } = await import('./lint-handler.js');
      exit.code = await lintFiles(paths, flags, io);
    }));
}
