/**
 * Attach on the node agent's kubelet endpoint: a client's streams joined to a running container
 * through the runtime (its monitor), as the kubelet joins them through CRI's Attach and
 * containerd's container IO.
 */
import type { V1Container } from '@kubernetes/client-node';
import type { ContainerRuntime } from '../runtime/index.js';
import type { ExecStreams } from './kubelet-api/exec-session.js';

/**
 * Joins one client to the container `id` until the container ends or the client goes. As
 * containerd does: when the client's stdin ends, a `stdinOnce` container without a TTY gets EOF
 * on its stdin and the output keeps coming until it ends; otherwise the attachment ends there.
 * A client that goes away counts as the end of its stdin.
 * @returns 0: an attachment has no exit code of its own
 */
export async function attachStreams(runtime: ContainerRuntime, id: string, container: V1Container, streams: ExecStreams): Promise<number> {
  const attach = await runtime.attach(id);
  const tty = container.tty === true;
  const closesStdin = container.stdinOnce === true && !tty;
  attach.onOutput((stream, chunk) => {
    const writer = stream === 'stdout' ? streams.stdout : streams.stderr;
    writer?.write(chunk);
  });
  // Resizes come only from a client that asked for a TTY.
  if (tty) streams.onResize((size) => attach.resize(size.width, size.height));
  let stdinEnded = false;
  const endStdin = (): void => {
    if (stdinEnded) return;
    stdinEnded = true;
    if (closesStdin) attach.closeStdin();
    else attach.close();
  };
  // As containerd: a container without stdin takes no input, and the end of the client's does not end the attachment.
  const input = container.stdin === true ? streams.stdin : undefined;
  if (input) {
    input.on('data', (chunk: Buffer) => attach.write(chunk));
    input.on('end', endStdin);
    input.on('error', endStdin);
  } else streams.stdin?.resume();
  streams.onClose?.(() => {
    if (input) endStdin();
    attach.close();
  });
  await attach.ended;
  return 0;
}
