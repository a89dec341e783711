/**
 * What `kubectl port-forward` reaches on a node: a TCP connection to a port of the pod. A
 * HostProcess pod's network is the host's, so the connection is made from the agent's own
 * network namespace, to 127.0.0.1 and then ::1, as containerd dials localhost inside a pod's
 * namespace ("host" for a host-network pod), and then to the pod's IPs (the node's), as
 * containerd does for a server that listens on those alone. The two framings (SPDY streams, WebSocket channels)
 * are port-forward-spdy.ts and port-forward-websocket.ts.
 */
import { connect, isIPv6, type Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** The pod a port-forward reaches, as the kubelet names it in its errors. */
export interface PortForwardPod {
  namespace: string;
  name: string;
  uid: string;
  /** The node it runs on, for the hint of an error. */
  node: string;
  /** The pod's IPs (`status.podIPs`: the node's), tried after loopback. */
  ips: readonly string[];
}

/** Where the bytes from the port go, and where the forwarder's error message goes. */
export interface ForwardStreams {
  /** What the client sends; ends at its half-close. */
  incoming: Readable;
  /** Sends data; resolves once it is taken (backpressure). */
  write(data: Buffer): Promise<void>;
  /** Ends the data (the target closed its side). */
  end(): Promise<void>;
  /** Writes the error message the client prints. */
  error(message: string): Promise<void>;
  /** Aborted when the client's connection is gone: the connection to the target is dropped, not half-closed. */
  gone: AbortSignal;
}

/** How long one connect may take (containerd's dial timeout). */
const DIAL_TIMEOUT_MS = 5_000;

/** The ports a request names: each 1-65535. @throws Error with the kubelet's message */
export function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65_535) throw new Error(`unable to parse "${text}" as a port: the value must be a number from 1 to 65535`);
  const port = Number(text);
  if (port < 1) throw new Error(`port "${text}" must be > 0`);
  return port;
}

/**
 * Connects to `port` on the host and copies bytes both ways until the target closes; a port
 * nobody listens on is written to the error stream in the kubelet's words, which kubectl prints.
 */
export async function forwardPort(pod: PortForwardPod, port: number, streams: ForwardStreams): Promise<void> {
  let socket: Socket;
  try {
    socket = await dialPod(port, pod.ips);
  } catch (error) {
    streams.incoming.resume();
    await streams.error(`error forwarding port ${port} to pod ${pod.name}_${pod.namespace}, uid ${pod.uid}: failed to execute portforward in network namespace "host": ${(error as Error).message}`
      + ` (nothing listens on port ${port} on node "${pod.node}": a HostProcess pod shares the node's network, so its server must listen there, on loopback, the pod's IP or all addresses)`).catch(() => {});
    await streams.end().catch(() => {});
    return;
  }
  await new Promise<void>((resolve) => {
    streams.incoming.pipe(socket);
    socket.on('data', (chunk: Buffer) => {
      socket.pause();
      streams.write(chunk).then(() => socket.resume(), () => socket.destroy());
    });
    socket.on('end', () => { void streams.end().catch(() => {}); });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      streams.incoming.unpipe(socket);
      streams.incoming.resume();
      resolve();
    });
    // A reset, not a FIN: the target learns at once that nobody reads its answers any more.
    const drop = (): void => { socket.resetAndDestroy(); };
    if (streams.gone.aborted) drop();
    streams.gone.addEventListener('abort', drop, { once: true });
    socket.once('close', () => streams.gone.removeEventListener('abort', drop));
  });
}

/** 127.0.0.1 first, then ::1, then the pod's other IPs; the error names each attempt, as containerd's does. */
async function dialPod(port: number, ips: readonly string[]): Promise<Socket> {
  const failures: string[] = [];
  for (const [host, words] of [['127.0.0.1', `IPv4: dial tcp4 127.0.0.1:${port}`], ['::1', `IPv6: dial tcp6 [::1]:${port}`]] as const) {
    try {
      return await dial(host, port);
    } catch (error) {
      failures.push(`${words}: ${reason(error)}`);
    }
  }
  for (const ip of ips.filter((a) => a !== '127.0.0.1' && a !== '::1')) {
    try {
      return await dial(ip, port);
    } catch (error) {
      failures.push(`dial tcp ${isIPv6(ip) ? `[${ip}]` : ip}:${port}: ${reason(error)}`);
    }
  }
  throw new Error(failures.join(' '));
}

function dial(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: DIAL_TIMEOUT_MS });
    const fail = (error: Error): void => { socket.destroy(); reject(error); };
    socket.once('error', fail);
    socket.once('timeout', () => fail(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
    socket.once('connect', () => {
      socket.off('error', fail);
      socket.setTimeout(0);
      socket.removeAllListeners('timeout');
      resolve(socket);
    });
  });
}

/** A connect error in Go's words ("connect: connection refused"). */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused', EADDRNOTAVAIL: 'connect: cannot assign requested address',
    ENETUNREACH: 'connect: network is unreachable', ETIMEDOUT: 'i/o timeout',
  };
  return (code && words[code]) ?? (error as Error).message;
}
