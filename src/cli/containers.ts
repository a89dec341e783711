/**
 * The container commands: `hostpod ps`, `logs`, `exec`, `stop` and `rm`. Each first re-adopts
 * what a crashed hostpod left (as root), so a container started by a killed `hostpod run` shows up
 * with its real state and exit code.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { HostpodError } from '../errors.js';
import { followLog, readLog, type LogEntry } from '../runtime/logs.js';
import type { ContainerInfo } from '../runtime/runtime.js';
import { ago, table } from './image.js';
import type { CommandIO } from './io.js';
import { runReported } from './report-errors.js';
import { openRuntime, withDataOptions } from './runtime-context.js';

type Flags = { dataDir?: string; config?: string } & Record<string, unknown>;

function psRows(containers: ContainerInfo[]): string[][] {
  const rows = [['CONTAINER ID', 'NAME', 'POD', 'NAMESPACE', 'STATE', 'EXIT CODE', 'REASON', 'AGE']];
  for (const c of containers) {
    rows.push([c.id.slice(0, 12), c.name, c.pod, c.namespace, c.state, c.exitCode === undefined ? '' : String(c.exitCode), c.reason ?? '', ago(c.createdAt).replace(/ ago$/, '')]);
  }
  return rows;
}

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number of seconds');
  return n;
};

export function containerCommands(io: CommandIO, exit: { code: number }): Command[] {
  const ps = withDataOptions(new Command('ps').description('list containers: running, and ended ones with their exit code and reason'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .action((flags: Flags) =>
      runReported(io, exit, async () => {
        const { runtime } = await openRuntime(flags, io);
        const containers = runtime.list();
        if (flags['output'] === 'json') io.stdout.write(`${JSON.stringify(containers, null, 2)}\n`);
        else io.stdout.write(table(psRows(containers)));
      }),
    );

  const logs = withDataOptions(new Command('logs').description("print a container's log (its CRI log files)"))
    .argument('<container>', 'container id (or a unique prefix), name, or pod/name')
    .option('-f, --follow', 'keep printing as the container writes, until it ends')
    .option('--timestamps', 'prefix each line with its RFC 3339 timestamp')
    .action((query: string, flags: Flags) =>
      runReported(io, exit, async () => {
        const { runtime } = await openRuntime(flags, io);
        const id = runtime.resolve(query);
        const record = runtime.containers.record(id);
        const partial = { stdout: '', stderr: '' };
        const print = (entry: LogEntry): void => {
          partial[entry.stream] += entry.text;
          if (!entry.full) return;
          io.stdout.write(`${flags['timestamps'] ? `${entry.time} ` : ''}${partial[entry.stream]}\n`);
          partial[entry.stream] = '';
        };
        if (flags['follow']) await followLog(record.logPath, print, () => runtime.containers.state(id) === 'exited');
        else readLog(record.logPath).forEach(print);
      }),
    );

  const exec = withDataOptions(new Command('exec').description('run a command in a running container (its cgroup, account, environment and mount namespace)'))
    .argument('<container>', 'container id (or a unique prefix), name, or pod/name')
    .argument('<command...>', 'the command and its arguments (put -- before them)')
    .option('-i, --stdin', "pass hostpod's standard input to the command")
    .option('-t, --tty', "the command uses hostpod's terminal (needs -i and a terminal)")
    .action((query: string, command: string[], flags: Flags) =>
      runReported(io, exit, async () => {
        if (flags['tty'] && !(io.stdin as { isTTY?: boolean }).isTTY) {
          throw new HostpodError('ERR_HOSTPOD_NOT_A_TTY', 'the input device is not a TTY', { hint: 'drop -t, or run hostpod exec from a terminal' });
        }
        const { runtime } = await openRuntime(flags, io);
        exit.code = await runtime.exec(runtime.resolve(query), command, { interactive: flags['stdin'] === true || flags['tty'] === true });
      }, 'pass-through'),
    );

  const stop = withDataOptions(new Command('stop').description("stop containers: the stop signal, then after the grace period the whole cgroup is killed"))
    .argument('<containers...>', 'container ids (or unique prefixes), names, or pod/name')
    .addOption(new Option('--grace-period <seconds>', "override the pod's terminationGracePeriodSeconds").argParser(seconds))
    .action((queries: string[], flags: Flags) =>
      runReported(io, exit, async () => {
        const { runtime } = await openRuntime(flags, io);
        for (const query of queries) {
          const id = runtime.resolve(query);
          const status = await runtime.stop(id, flags['gracePeriod'] as number | undefined);
          for (const warning of status.warnings ?? []) io.stderr.write(`hostpod: warning: ${warning}\n`);
          io.stdout.write(`${id.slice(0, 12)}: ${status.reason}, exit code ${status.exitCode}\n`);
        }
      }),
    );

  const rm = withDataOptions(new Command('rm').description('delete ended containers and their logs'))
    .argument('<containers...>', 'container ids (or unique prefixes), names, or pod/name')
    .option('-f, --force', 'stop running containers first (without grace)')
    .action((queries: string[], flags: Flags) =>
      runReported(io, exit, async () => {
        const { runtime } = await openRuntime(flags, io);
        for (const query of queries) {
          const id = runtime.resolve(query);
          await runtime.remove(id, flags['force'] === true);
          io.stdout.write(`${id.slice(0, 12)}\n`);
        }
      }),
    );
  return [ps, logs, exec, stop, rm];
}
