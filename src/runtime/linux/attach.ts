/** Attaching to a running container: its monitor's socket, with hostpod's errors. */
import { HostpodError } from '../../errors.js';
import { requireRoot } from '../identity.js';
import { attachMonitor, type ContainerAttach } from '../monitor/attach-client.js';
import type { LinuxRuntime } from './linux-runtime.js';

/**
 * Attaches to a running container: its output from now on, its stdin, its terminal's size.
 * @throws HostpodError when the container is not running, or its monitor takes no attachments
 */
export async function attachToContainer(rt: LinuxRuntime, id: string): Promise<ContainerAttach> {
  requireRoot(`attach to container ${id.slice(0, 12)}`);
  const short = id.slice(0, 12);
  // Not `state() === 'running'`: the monitor records init.pid just after start() resolves, and
  // its socket was listening before the workload started.
  if (rt.containers.state(id) === 'exited' || rt.containers.liveMonitor(id) === undefined) {
    throw new HostpodError('ERR_HOSTPOD_NOT_RUNNING', `container ${short} is not running`, { hint: 'hostpod ps shows the running containers' });
  }
  try {
    return await attachMonitor(rt.containers.dir(id));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new HostpodError('ERR_HOSTPOD_ATTACH', `container ${short} cannot be attached to: its monitor has no attach socket (${rt.containers.dir(id)}/attach.sock)`, {
        hint: 'a container started by a hostpod before attach existed, or whose monitor could not make the socket (see monitor.log in that directory), takes no attachments: restart it',
        cause: error,
      });
    }
    if (code === 'ECONNREFUSED') throw new HostpodError('ERR_HOSTPOD_NOT_RUNNING', `container ${short} has ended`, { hint: 'hostpod ps shows the running containers', cause: error });
    throw error;
  }
}
