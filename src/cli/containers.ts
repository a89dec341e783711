/**
 * The container commands: `hostpod ps`, `logs`, `exec`, `stop` and `rm`. The command lines; the
 * work is in container-handlers.ts, loaded when a command runs.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { withDataOptions } from './data-options.js';
import type { CommandIO } from './io.js';
import { runReported } from './report-errors.js';

export type ContainerFlags = { dataDir?: string; config?: string } & Record<string, unknown>;

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of seconds');
  return n;
};

// Loaded when a command runs: the runtime is not read for --help or for the other commands.
const handlers = () => import('./container-handlers.js');

export function containerCommands(io: CommandIO, exit: { code: number }): Command[] {
  const ps = withDataOptions(new Command('ps').description('list containers: running, and ended ones with their exit code and reason'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(new Option('-q, --quiet', "only the containers' full ids, one per line (for rm, stop, logs)").conflicts('output'))
    .action((flags: ContainerFlags) => runReported(io, exit, async () => (await handlers()).listContainers(flags, io)));

  const logs = withDataOptions(new Command('logs').description("print a container's log (its CRI log files)"))
    .argument('<container>', 'container id, a unique id prefix of at least 4 characters, name, or pod/name (the newest of that name)')
    .option('-f, --follow', 'keep printing as the container writes, until it ends')
    .option('--timestamps', 'prefix each line with its RFC 3339 timestamp')
    .action((query: string, flags: ContainerFlags) => runReported(io, exit, async () => (await handlers()).printLogs(query, flags, io)));

  const exec = withDataOptions(new Command('exec').description('run a command in a running container (its cgroup, account, environment and mount namespace)'))
    .argument('<container>', 'container id, a unique id prefix of at least 4 characters, name, or pod/name (the newest of that name)')
    .argument('<command...>', 'the command and its arguments (put -- before them)')
    .option('-i, --stdin', "pass hostpod's standard input to the command")
    .option('-t, --tty', "the command uses hostpod's terminal (implies -i; hostpod's standard input must be a terminal)")
    .action((query: string, command: string[], flags: ContainerFlags) =>
      runReported(io, exit, async () => {
        exit.code = await (await handlers()).execInContainer(query, command, flags, io);
      }, 'pass-through'),
    );

  const stop = withDataOptions(new Command('stop').description("stop containers: the stop signal, then after the grace period the whole cgroup is killed"))
    .argument('<containers...>', 'container ids, unique id prefixes of at least 4 characters, names, or pod/names (the newest of each)')
    .addOption(new Option('--grace-period <seconds>', "override the pod's terminationGracePeriodSeconds").argParser(seconds))
    .action((queries: string[], flags: ContainerFlags) => runReported(io, exit, async () => (await handlers()).stopContainers(queries, flags, io)));

  const rm = withDataOptions(new Command('rm').description('delete ended containers and their logs'))
    .argument('<containers...>', 'container ids, unique id prefixes of at least 4 characters, names, or pod/names (the newest of each)')
    .option('-f, --force', 'stop running containers first (without grace)')
    .action((queries: string[], flags: ContainerFlags) => runReported(io, exit, async () => (await handlers()).removeContainers(queries, flags, io)));
  return [ps, logs, exec, stop, rm];
}
