/**
 * A container's records under `<data-dir>/containers/<id>/`:
 *
 *   container.json   what hostpod decided at start (written before the monitor starts)
 *   spec             the monitor's spec
 *   monitor.pid      written by the monitor; init.pid (pid, start time) once the workload runs
 *   exit             written by the monitor when everything has ended and the log is complete
 *   status.json      hostpod's final status, once the container's resources are released
 *
 * Every file is written to a temporary name and renamed into place, so a crash leaves either the
 * old file or the new one. The state is derived from which files exist and whether the monitor lives.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deepFreeze } from '../api/json/index.js';
import { HostpodError } from '../errors.js';
import type { CgroupFiles } from './cgroup/index.js';
import type { MountMode } from './mount-mode.js';
import type { SandboxKind } from './sandbox.js';

export { MOUNT_MODE_ANNOTATION, type MountMode } from './mount-mode.js';

export interface ContainerRecord {
  id: string;
  name: string;
  pod: { name: string; namespace: string; uid: string };
  /** An init container (run to completion before the others). */
  init: boolean;
  restartCount: number;
  /** Who started it and so looks after it: `node/NAME` for a node agent, absent for hostpod run. */
  owner?: string | undefined;
  image: { name: string; id: string };
  account: string;
  user: { name: string; uid: number; gid: number; temporary: boolean };
  mountMode: MountMode;
  sandbox: { kind: SandboxKind; path: string };
  /** Bind mode's mount points that were missing on the host, and how each was made (linux/mount-points.ts). */
  mountPoints?: { path: string; view: 'private' | 'created'; reason?: string }[] | undefined;
  cgroup: { version: 'v1' | 'v2'; dirs: string[]; files: CgroupFiles };
  logPath: string;
  argv: string[];
  stopSignal: number;
  graceSeconds: number;
  memoryLimit?: number | undefined;
  createdAt: string;
}

export type ContainerState = 'created' | 'running' | 'exited';

export interface ExitFile {
  exitCode: number;
  signal: number;
  startedAtNs: bigint | undefined;
  finishedAtNs: bigint;
  error: string | undefined;
  /** Set by hostpod when the monitor died without an exit status: why. */
  lost: string | undefined;
  /** Processes the monitor found in some of the container's hierarchies but not in others (v1): `hierarchy` indexes `cgroup.files.procs`. */
  escaped: { pid: number; hierarchy: number; command: string }[];
}

export interface ContainerStatus {
  exitCode: number;
  /** Completed, Error, OOMKilled, StartError or ContainerStatusUnknown, as the kubelet reports them. */
  reason: string;
  message?: string | undefined;
  startedAt: string | undefined;
  finishedAt: string;
  /** Memory and CPU time from the cgroup when the container ended. */
  cpuNanos?: number | undefined;
  /** What could not be contained: processes that had left some of its cgroups, what could not be killed or removed. */
  warnings?: string[] | undefined;
}

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HostpodError('ERR_HOSTPOD_STATE', `${path} is damaged: ${(error as Error).message}`, { hint: 'remove the container with hostpod rm -f ID', cause: error });
  }
}

export function parseExitFile(text: string): ExitFile {
  const fields = new Map(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
  const big = (k: string): bigint | undefined => (fields.has(k) ? BigInt(fields.get(k) ?? '0') : undefined);
  return {
    exitCode: Number(fields.get('exitCode') ?? 255),
    signal: Number(fields.get('signal') ?? 0),
    startedAtNs: big('startedAt'),
    finishedAtNs: big('finishedAt') ?? 0n,
    error: fields.get('error'),
    lost: fields.get('lost'),
    escaped: (fields.get('escaped') ?? '')
      .split(',')
      .map((entry) => entry.split(':'))
      .filter((parts) => parts.length === 3 && /^\d+$/.test(parts[0] ?? '') && /^\d+$/.test(parts[1] ?? ''))
      .map(([pid, hierarchy, command]) => ({ pid: Number(pid), hierarchy: Number(hierarchy), command: command || '?' })),
  };
}

export function nsToIso(ns: bigint | undefined): string | undefined {
  if (ns === undefined || ns === 0n) return undefined;
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

/** What was read of one container's files, each once it was there (see `ContainerDirs`). */
interface KnownFiles {
  record?: ContainerRecord;
  initPid?: { pid: number; startedAtNs: bigint };
  exit?: ExitFile;
  status?: ContainerStatus;
}

/** The containers directory and what is in it. */
export class ContainerDirs {
  readonly root: string;
  readonly #podUids = new Map<string, string>();
  /** The ids seen with a record at the last listing (a directory without one is still being made, or half removed). */
  #recorded = new Set<string>();
  /**
   * What each container's files held once they were there, by id. Each is written once, whole (by
   * rename), and never changes: the record before the monitor starts, init.pid when the workload
   * has started, exit when it has ended, status.json when it was finalized; and an id is never
   * used again. The node agent looks at every container it runs on each sync of its pod, which
   * read the record and init.pid again every time (about 18 times each in the first two seconds
   * of 110 pods). Forgotten with the container (`forget`, and any listing that no longer finds it).
   */
  readonly #known = new Map<string, KnownFiles>();

  constructor(dataDir: string) {
    this.root = join(dataDir, 'containers');
  }

  dir(id: string): string {
    return join(this.root, id);
  }

  /**
   * The containers with a record, in directory order. Whether a directory has its record is looked
   * up once: a record is written before the monitor starts and goes only with its directory, and
   * the node agent lists the ids for every pod it is given, so looking again each time made
   * starting n pods cost n^2 lookups (12,000 for 110 pods).
   */
  ids(): string[] {
    if (!existsSync(this.root)) return [];
    const recorded = new Set<string>();
    for (const name of readdirSync(this.root)) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      if (this.#recorded.has(name) || existsSync(join(this.root, name, 'container.json'))) recorded.add(name);
    }
    this.#recorded = recorded;
    // The pods of removed containers are forgotten with them (an id is never used again).
    for (const id of this.#podUids.keys()) if (!recorded.has(id)) this.#podUids.delete(id);
    for (const id of this.#known.keys()) if (!recorded.has(id)) this.#known.delete(id);
    return [...recorded];
  }

  /** Forgets what was read of a container being removed. */
  forget(id: string): void {
    this.#known.delete(id);
    this.#podUids.delete(id);
  }

  /** What was read of `id`'s files, made on first use. */
  #knownOf(id: string): KnownFiles {
    let known = this.#known.get(id);
    if (known === undefined) {
      known = {};
      this.#known.set(id, known);
    }
    return known;
  }

  /**
   * The uid of the container's pod, or undefined when it has no record. Kept once read: a record
   * is written once, before the monitor starts, and an id is never used again.
   */
  podUid(id: string): string | undefined {
    const known = this.#podUids.get(id);
    if (known !== undefined) return known;
    const uid = readJson<ContainerRecord>(join(this.dir(id), 'container.json'))?.pod.uid;
    if (uid !== undefined) this.#podUids.set(id, uid);
    return uid;
  }

  /** The container's record (shared: frozen). */
  record(id: string): Readonly<ContainerRecord> {
    const known = this.#known.get(id)?.record;
    if (known !== undefined) return known;
    const record = readJson<ContainerRecord>(join(this.dir(id), 'container.json'));
    if (!record) throw new HostpodError('ERR_HOSTPOD_NO_CONTAINER', `no container ${id}`);
    return (this.#knownOf(id).record = deepFreeze(record));
  }

  exit(id: string): Readonly<ExitFile> | undefined {
    const exit = this.#exit(id);
    return exit === 'unreadable' ? undefined : exit;
  }

  /**
   * The exit file, 'unreadable' when it is there but cannot be read. A running container has none,
   * and the node agent looks at each one many times while it runs (13 times each in the first
   * two seconds of 110 pods): it is looked for first (as status.json is), since a read that
   * fails throws, which costs more than the look.
   */
  #exit(id: string): Readonly<ExitFile> | 'unreadable' | undefined {
    const known = this.#known.get(id)?.exit;
    if (known !== undefined) return known;
    const path = join(this.dir(id), 'exit');
    if (!existsSync(path)) return undefined;
    let exit: ExitFile;
    try {
      exit = parseExitFile(readFileSync(path, 'utf8'));
    } catch {
      return 'unreadable';
    }
    return (this.#knownOf(id).exit = deepFreeze(exit));
  }

  status(id: string): Readonly<ContainerStatus> | undefined {
    const known = this.#known.get(id)?.status;
    if (known !== undefined) return known;
    // Looked for first, as the exit file is.
    const path = join(this.dir(id), 'status.json');
    if (!existsSync(path)) return undefined;
    const status = readJson<ContainerStatus>(path);
    return status === undefined ? undefined : (this.#knownOf(id).status = deepFreeze(status));
  }

  /**
   * The workload's pid and start time, once the monitor recorded them. The monitor does not flush
   * the file (a power cut ends the process it names), so after one it may be there but empty:
   * that, like anything but "PID STARTED_NS", reads as no record.
   */
  initPid(id: string): Readonly<{ pid: number; startedAtNs: bigint }> | undefined {
    const known = this.#known.get(id)?.initPid;
    if (known !== undefined) return known;
    let text: string;
    try {
      text = readFileSync(join(this.dir(id), 'init.pid'), 'utf8');
    } catch {
      return undefined;
    }
    const match = /^(\d+) (\d+)\s*$/.exec(text);
    if (!match || Number(match[1]) <= 0) return undefined;
    return (this.#knownOf(id).initPid = Object.freeze({ pid: Number(match[1]), startedAtNs: BigInt(match[2]!) }));
  }

  /** The monitor's pid, when it is alive (checked against its command line, not just the number). */
  liveMonitor(id: string): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dir(id), 'monitor.pid'), 'utf8').trim());
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return cmdline.includes(this.dir(id)) && cmdline.some((a) => a.endsWith('hostpod-monitor')) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  state(id: string): ContainerState {
    const known = this.#known.get(id);
    if (known?.exit !== undefined || known?.status !== undefined) return 'exited';
    // An exit file, even one that cannot be read, means the workload ended; so does a final status.
    if (this.#exit(id) !== undefined || existsSync(join(this.dir(id), 'status.json'))) return 'exited';
    if (this.initPid(id) !== undefined) return 'running';
    return 'created';
  }
}
