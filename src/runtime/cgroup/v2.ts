/** The unified hierarchy (cgroup v2): one directory per container, `cgroup.kill` to end it. */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { HostpodError } from '../../errors.js';
import type { CgroupDriver, CgroupLimits, CgroupStats, ContainerCgroup, KillResult } from './driver.js';
import { CFS_PERIOD_US, cfsQuota, killUntilEmpty, pidsInTree, readKey, readNumber, readText, removeTree, writeControl } from './files.js';

const WANTED = ['memory', 'cpu', 'pids'];

export class CgroupV2 implements CgroupDriver {
  readonly version = 'v2';
  readonly describeRoot: string;
  private readonly root: string;

  constructor(private readonly mount: string, root: string) {
    this.root = join(mount, root);
    this.describeRoot = `${this.root} (cgroup v2)`;
  }

  /** Controllers hostpod's subtree can use. */
  controllers(): Set<string> {
    this.ensureRoot();
    return new Set((readText(join(this.root, 'cgroup.controllers')) ?? '').split(/\s+/).filter((c) => c !== ''));
  }

  create(id: string, limits: CgroupLimits): ContainerCgroup {
    const available = this.controllers();
    const dir = join(this.root, id);
    const need = (controller: string, what: string): void => {
      if (!available.has(controller)) {
        throw new HostpodError('ERR_HOSTPOD_CGROUP', `cannot apply ${what}: the ${controller} controller is not available in ${this.root} (cgroup v2)`, {
          hint: `enable it in the parent's cgroup.subtree_control (on systemd hosts, delegate it), or remove the limit`,
        });
      }
    };
    if (limits.memoryBytes !== undefined) need('memory', 'limits.memory');
    if (limits.cpuMillis !== undefined) need('cpu', 'limits.cpu');
    if (limits.pids !== undefined) need('pids', 'the pids limit');
    mkdirSync(dir, { recursive: true });
    if (limits.memoryBytes !== undefined) {
      writeControl(join(dir, 'memory.max'), String(limits.memoryBytes), 'limits.memory');
      // No swap: a container over its limit is OOM-killed, as a job object's commit limit fails.
      if (existsSync(join(dir, 'memory.swap.max'))) writeControl(join(dir, 'memory.swap.max'), '0', 'memory.swap.max');
    }
    if (limits.cpuMillis !== undefined) writeControl(join(dir, 'cpu.max'), `${cfsQuota(limits.cpuMillis)} ${CFS_PERIOD_US}`, 'limits.cpu');
    if (limits.pids !== undefined) writeControl(join(dir, 'pids.max'), String(limits.pids), 'the pids limit');
    return this.open(id);
  }

  open(id: string): ContainerCgroup {
    const dir = join(this.root, id);
    const procs = join(dir, 'cgroup.procs');
    const killFile = join(dir, 'cgroup.kill');
    // Cgroups the workload nested under its own count as its own; one hierarchy, so no process
    // can be in some of the container's cgroups and not in others (nothing to report as escaped).
    const pidsNow = (): number[] => pidsInTree(dir);
    return {
      dirs: [dir],
      files: { procs: [procs], kill: existsSync(killFile) ? killFile : undefined },
      hierarchyOf: () => 'unified',
      pids: pidsNow,
      stats: (): CgroupStats => ({
        memoryBytes: readNumber(join(dir, 'memory.current')),
        inactiveFileBytes: readKey(join(dir, 'memory.stat'), 'inactive_file'),
        cpuNanos: ((u) => (u === undefined ? undefined : u * 1000))(readKey(join(dir, 'cpu.stat'), 'usage_usec')),
        oomKills: readKey(join(dir, 'memory.events'), 'oom_kill') ?? 0,
        processes: pidsNow().length,
      }),
      kill: async (timeoutMs = 10_000): Promise<KillResult> => {
        const empty = await killUntilEmpty(
          pidsNow,
          () => {
            // cgroup.kill kills the whole subtree, nested cgroups included.
            if (existsSync(killFile)) writeControl(killFile, '1', 'cgroup.kill');
            else for (const pid of pidsNow()) killQuietly(pid);
          },
          timeoutMs,
        );
        return { empty, escaped: [], survivors: empty ? [] : pidsNow() };
      },
      remove: () => removeTree(dir),
    };
  }

  list(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  }

  /** Creates hostpod's subtree and enables the controllers it wants on the way down. */
  private ensureRoot(): void {
    if (!existsSync(join(this.mount, 'cgroup.controllers'))) {
      throw new HostpodError('ERR_HOSTPOD_CGROUP', `${this.mount} is not a cgroup v2 hierarchy`, {
        hint: 'set cgroup.mount in the config file to where cgroup2 is mounted, or cgroup.version: auto',
      });
    }
    mkdirSync(this.root, { recursive: true });
    let dir = this.mount;
    for (const part of relative(this.mount, this.root).split(sep).filter((p) => p !== '')) {
      const offered = new Set((readText(join(dir, 'cgroup.controllers')) ?? '').split(/\s+/));
      const enabled = new Set((readText(join(dir, 'cgroup.subtree_control')) ?? '').split(/\s+/));
      const missing = WANTED.filter((c) => offered.has(c) && !enabled.has(c));
      if (missing.length > 0) writeControl(join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '), 'cgroup.subtree_control');
      dir = join(dir, part);
    }
  }
}

export function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

