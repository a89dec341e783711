/** Extra processes in a running job container: same cgroup, account, environment and mount namespace. */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { HostpodError } from '../../errors.js';
import { exitCodeOf } from '../exit-code.js';
import { requireRoot } from '../identity.js';
import { monitorBinary } from '../monitor/binary.js';
import type { LinuxRuntime } from './linux-runtime.js';

/**
 * Runs an extra process in a running container. With `interactive`, it shares hostpod's stdin
 * (and so its terminal, for -t).
 * @returns the process's exit code.
 */
export async function execInContainer(rt: LinuxRuntime, id: string, argv: string[], options: { interactive: boolean }): Promise<number> {
  const child = spawnInContainer(rt, id, argv, { stdio: [options.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
  return exitCodeOf(child);
}

/**
 * Starts an extra process in a running container with the given stdio (pipes for the node
 * agent's exec). With `tty`, it runs under a new pseudo-terminal (script(1) allocates it, since
 * Node cannot), which then carries both output streams.
 * @throws HostpodError when the container is not running
 */
export function spawnInContainer(rt: LinuxRuntime, id: string, argv: string[], options: { stdio: StdioOptions; tty?: boolean | { width: number; height: number } }): ChildProcess {
  requireRoot(`exec in container ${id.slice(0, 12)}`);
  if (rt.containers.state(id) !== 'running' || rt.containers.liveMonitor(id) === undefined) {
    throw new HostpodError('ERR_HOSTPOD_NOT_RUNNING', `container ${id.slice(0, 12)} is not running`, { hint: 'hostpod ps shows the running containers' });
  }
  const command = [monitorBinary(), 'exec', rt.containers.dir(id), ...argv];
  if (options.tty !== undefined && options.tty !== false) {
    const quote = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;
    const size = typeof options.tty === 'object' ? `stty cols ${Math.floor(options.tty.width)} rows ${Math.floor(options.tty.height)} 2>/dev/null; ` : '';
    return spawn('script', ['--quiet', '--return', '--command', `${size}exec ${command.map(quote).join(' ')}`, '/dev/null'], { stdio: options.stdio, env: { ...process.env, SHELL: '/bin/sh' } });
  }
  const [file, ...args] = command;
  return spawn(file ?? '', args, { stdio: options.stdio });
}
