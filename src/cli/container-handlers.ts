/**
 * What the container commands do (`ps`, `logs`, `exec`, `stop`, `rm`). Each first re-adopts
 * what a crashed hostpod left (as root), so a container started by a killed `hostpod run` shows
 * up with its real state and exit code.
 */
import { HostpodError } from '../errors.js';
import { followLog, readLog, type LogEntry } from '../runtime/logs.js';
import type { ContainerInfo } from '../runtime/index.js';
import type { ContainerFlags } from './containers.js';
import type { CommandIO } from './io.js';
import { openRuntime } from './runtime-context.js';
import { ago, table } from './table.js';

function psRows(containers: ContainerInfo[]): string[][] {
  const rows = [['CONTAINER ID', 'NAME', 'POD', 'NAMESPACE', 'STATE', 'EXIT CODE', 'REASON', 'AGE']];
  for (const c of containers) {
    rows.push([c.id.slice(0, 12), c.name, c.pod, c.namespace, c.state, c.exitCode === undefined ? '' : String(c.exitCode), c.reason ?? '', ago(c.createdAt).replace(/ ago$/, '')]);
  }
  return rows;
}

/** `hostpod ps`: the containers, as a table, JSON or (quiet) their ids alone, as `crictl ps -q`. */
export async function listContainers(flags: ContainerFlags, io: CommandIO): Promise<void> {
  const { runtime } = await openRuntime(flags, io);
  const containers = runtime.list();
  if (flags['quiet'] === true) io.stdout.write(containers.map((c) => `${c.id}\n`).join(''));
  else if (flags['output'] === 'json') io.stdout.write(`${JSON.stringify(containers, null, 2)}\n`);
  else io.stdout.write(table(psRows(containers)));
}

/** `hostpod logs`: a container's log, whole lines, optionally followed until the container ends. */
export async function printLogs(query: string, flags: ContainerFlags, io: CommandIO): Promise<void> {
  const { runtime } = await openRuntime(flags, io);
  const id = runtime.resolve(query);
  const log = runtime.logs(id);
  const partial = { stdout: '', stderr: '' };
  const print = (entry: LogEntry): void => {
    partial[entry.stream] += entry.text;
    if (!entry.full) return;
    io.stdout.write(`${flags['timestamps'] ? `${entry.time} ` : ''}${partial[entry.stream]}\n`);
    partial[entry.stream] = '';
  };
  if (flags['follow']) await followLog(log.path, print, () => !log.live());
  else readLog(log.path).forEach(print);
}

/**
 * `hostpod exec`: runs `command` in a running container.
 * @returns the command's exit code
 */
export async function execInContainer(query: string, command: string[], flags: ContainerFlags, io: CommandIO): Promise<number> {
  if (flags['tty'] && !(io.stdin as { isTTY?: boolean }).isTTY) {
    throw new HostpodError('ERR_HOSTPOD_NOT_A_TTY', 'the input device is not a TTY', { hint: 'drop -t, or run hostpod exec from a terminal' });
  }
  const { runtime } = await openRuntime(flags, io);
  return runtime.exec(runtime.resolve(query), command, { interactive: flags['stdin'] === true || flags['tty'] === true });
}

/** `hostpod stop`: stops each container and prints how it ended. */
export async function stopContainers(queries: string[], flags: ContainerFlags, io: CommandIO): Promise<void> {
  const { runtime } = await openRuntime(flags, io);
  for (const query of queries) {
    const id = runtime.resolve(query);
    const status = await runtime.stop(id, flags['gracePeriod'] as number | undefined);
    for (const warning of status.warnings ?? []) io.stderr.write(`hostpod: warning: ${warning}\n`);
    io.stdout.write(`${id.slice(0, 12)}: ${status.reason}, exit code ${status.exitCode}\n`);
  }
}

/** `hostpod rm`: deletes each container (stopping it first with `--force`). */
export async function removeContainers(queries: string[], flags: ContainerFlags, io: CommandIO): Promise<void> {
  const { runtime } = await openRuntime(flags, io);
  for (const query of queries) {
    const id = runtime.resolve(query);
    await runtime.remove(id, flags['force'] === true);
    io.stdout.write(`${id.slice(0, 12)}\n`);
  }
}
