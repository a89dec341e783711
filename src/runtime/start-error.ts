/**
 * A container that was created but whose workload could not start (its executable or working
 * directory cannot be found, its mounts fail): the runtime keeps it as an ended instance with
 * reason StartError and exit code 128, as containerd does, and says which instance it is, so the
 * node agent counts it like any ended container and its restart policy decides what follows.
 */
import { HostpodError } from '../errors.js';

export class ContainerStartError extends HostpodError {
  constructor(
    /** The ended instance, finalized with reason StartError. */
    readonly containerId: string,
    cause: HostpodError,
  ) {
    super('ERR_HOSTPOD_START', cause.message, { ...(cause.hint === undefined ? {} : { hint: cause.hint }), cause });
  }
}
