/**
 * Who holds a TCP port: the process listening on it, found as `ss -ltnp` finds it (the socket's
 * inode in /proc/net/tcp and tcp6, then the process with that inode among its /proc/PID/fd), so
 * that "the address is already in use" can say by whom. Best effort: another user's process is
 * only visible to root, and a holder in another network namespace is not in this one's tables.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { HostpodError } from './errors.js';

/** The process listening on a port, as far as /proc tells. */
export interface PortOwner {
  pid: number;
  /** The process name (/proc/PID/comm), e.g. `kubelet`, `node`. */
  name: string;
  /** The command line, space-joined. */
  command: string;
}

const TCP_LISTEN = '0A';

/** The inodes of the listening TCP sockets on `port`, on any address. */
async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || fields[3] !== TCP_LISTEN || !fields[9]) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The process listening on TCP `port`, or undefined when it cannot be found. */
export async function portOwner(port: number): Promise<PortOwner | undefined> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const pids = (await readdir('/proc').catch(() => [])).filter((entry) => /^\d+$/.test(entry));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (!match || !inodes.has(match[1]!)) continue;
      const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
      const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean).join(' ');
      return { pid: Number(pid), name, command };
    }
  }
  return undefined;
}

/**
 * A phrase naming who holds `port`, for an "already in use" message: "held by kubelet (pid 812)",
 * "held by another hostpod up (pid 4031)", or a guess from the port when /proc does not tell.
 */
export async function describePortOwner(port: number): Promise<string> {
  const owner = await portOwner(port).catch(() => undefined);
  if (owner) {
    const hostpod = /\bhostpod(\.js)?\s+(up|agent)\b/.exec(owner.command);
    const who = hostpod ? `another hostpod ${hostpod[2]}` : owner.name;
    return `held by ${who} (pid ${owner.pid}${hostpod ? '' : `: ${owner.command.slice(0, 120)}`})`;
  }
  if (port === 10250) return 'probably held by a kubelet (10250 is the kubelet\'s port)';
  if (port === 6443) return 'probably held by an API server (6443 is its port)';
  return 'its holder could not be found (run `ss -ltnp` as root to see it)';
}

/** What a listener is, for its failure: the endpoint's name, the flags that set it and the hint's way out. */
export interface Listener {
  host: string;
  port: number;
  /** e.g. "the API server". */
  what: string;
  /** e.g. "--listen". */
  flags: string;
  /** What to do about a port in use, e.g. "choose another address with --listen HOST:PORT". */
  elsewhere: string;
}

/**
 * The error a user sees when `listen` fails with a cause they can fix: the port in use (naming
 * its holder), an address not on this host, a privileged port; anything else is passed on.
 */
export async function listenFailure(error: NodeJS.ErrnoException, listener: Listener): Promise<Error> {
  const { host, port, what, flags, elsewhere } = listener;
  const where = `cannot listen on ${host}:${port} (${flags}) for ${what}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new HostpodError('ERR_HOSTPOD_ADDRESS_IN_USE', `${where}: the port is already in use, ${await describePortOwner(port)}`,
        { hint: `stop what is listening there, or ${elsewhere}`, cause: error });
    case 'EADDRNOTAVAIL':
      return new HostpodError('ERR_HOSTPOD_ADDRESS_NOT_LOCAL', `${where}: ${host} is not an address of this host`,
        { hint: `give ${flags.split(', ')[0]} one of this host's addresses (ip -brief address lists them), 127.0.0.1, or 0.0.0.0 for every address`, cause: error });
    case 'EACCES':
      return new HostpodError('ERR_HOSTPOD_PRIVILEGED_PORT', `${where}: ports below 1024 need root (or CAP_NET_BIND_SERVICE)`,
        { hint: `run hostpod as root, or ${elsewhere}`, cause: error });
    default:
      return error;
  }
}
