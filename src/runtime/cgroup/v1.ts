/**
 * The legacy hierarchies (cgroup v1): a directory per container in each controller's hierarchy
 * (memory, cpu, cpuacct, pids, freezer). There is no cgroup.kill: the freezer stops the tasks so
 * a fork bomb cannot outrun the kill loop. A container's processes are those in any of its
 * directories or in cgroups nested under them; one found in some hierarchies but not in others
 * had left those (a root workload can), and is reported as it is killed.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HostpodError } from '../../errors.js';
import type { CgroupDriver, CgroupEscape, CgroupLimits, CgroupStats, ContainerCgroup, KillResult } from './driver.js';
import { CFS_PERIOD_US, cfsQuota, commandOf, killUntilEmpty, pidsInTree, readKey, readNumber, removeTree, writeControl } from './files.js';
import { killQuietly } from './v2.js';

const CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer'] as const;
type Controller = (typeof CONTROLLERS)[number];

export class CgroupV1 implements CgroupDriver {
  readonly version = 'v1';
  readonly describeRoot: string;

  /** @param mounts where each controller's hierarchy is mounted (from /proc/self/mountinfo) */
  constructor(private readonly mounts: ReadonlyMap<string, string>, private readonly root: string) {
    this.describeRoot = `${root} in ${[...new Set(this.hierarchies().values())].join(', ')} (cgroup v1)`;
  }

  controllers(): Set<string> {
    return new Set(this.hierarchies().keys());
  }

  create(id: string, limits: CgroupLimits): ContainerCgroup {
    const dirs = this.dirsOf(id);
    const need = (controller: Controller, what: string): string => {
      const dir = dirs.get(controller);
      if (dir === undefined) {
        throw new HostpodError('ERR_HOSTPOD_CGROUP', `cannot apply ${what}: the ${controller} cgroup hierarchy is not mounted`, {
          hint: `mount it (mount -t cgroup -o ${controller} cgroup /sys/fs/cgroup/${controller}), or remove the limit`,
        });
      }
      return dir;
    };
    const memory = limits.memoryBytes === undefined ? undefined : need('memory', 'limits.memory');
    const cpu = limits.cpuMillis === undefined ? undefined : need('cpu', 'limits.cpu');
    const pids = limits.pids === undefined ? undefined : need('pids', 'the pids limit');
    for (const dir of new Set(dirs.values())) mkdirSync(dir, { recursive: true });
    if (memory !== undefined && limits.memoryBytes !== undefined) {
      writeControl(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes), 'limits.memory');
      // With swap accounting, memory+swap gets the same limit: no swapping past the limit.
      const memsw = join(memory, 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) writeControl(memsw, String(limits.memoryBytes), 'memory.memsw.limit_in_bytes');
    }
    if (cpu !== undefined && limits.cpuMillis !== undefined) {
      writeControl(join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US), 'cpu.cfs_period_us');
      writeControl(join(cpu, 'cpu.cfs_quota_us'), String(cfsQuota(limits.cpuMillis)), 'limits.cpu');
    }
    if (pids !== undefined) writeControl(join(pids, 'pids.max'), String(limits.pids), 'the pids limit');
    return this.open(id);
  }

  open(id: string): ContainerCgroup {
    const dirs = this.dirsOf(id);
    const unique = [...new Set(dirs.values())];
    // List from the pids hierarchy when there is one: it is where fork bombs are counted.
    const first = dirs.get('pids') ?? dirs.get('memory') ?? unique[0];
    const ordered = [first, ...unique.filter((d) => d !== first)].filter((d): d is string => d !== undefined);
    const procs = ordered.map((d) => join(d, 'cgroup.procs'));
    const freezer = dirs.get('freezer');
    const freeze = freezer === undefined ? undefined : join(freezer, 'freezer.state');
    const names = new Map(ordered.map((d) => [d, [...dirs].filter(([, dir]) => dir === d).map(([c]) => c).join(',')]));
    const hierarchyOf = (path: string): string => names.get(path) ?? names.get(dirname(path)) ?? path;
    // A process may have left some hierarchies, or sit in a cgroup nested under the container's.
    const byHierarchy = (): Map<string, Set<number>> => new Map(ordered.map((d) => [d, new Set(pidsInTree(d))]));
    const pidsNow = (): number[] => [...new Set(ordered.flatMap((d) => pidsInTree(d)))];
    const escapes = (): CgroupEscape[] => {
      // Twice: a process forked between two reads is in every hierarchy by the second.
      const before = byHierarchy();
      const now = byHierarchy();
      const all = new Set([...now.values()].flatMap((set) => [...set]));
      return [...all]
        .map((pid) => ({ pid, command: commandOf(pid), left: ordered.filter((d) => !now.get(d)?.has(pid) && !before.get(d)?.has(pid)).map(hierarchyOf) }))
        .filter((e) => e.left.length > 0);
    };
    const memory = dirs.get('memory');
    const cpuacct = dirs.get('cpuacct');
    return {
      dirs: unique,
      files: { procs, freeze },
      hierarchyOf,
      pids: pidsNow,
      stats: (): CgroupStats => ({
        memoryBytes: memory === undefined ? undefined : readNumber(join(memory, 'memory.usage_in_bytes')),
        inactiveFileBytes: memory === undefined ? undefined : readKey(join(memory, 'memory.stat'), 'total_inactive_file'),
        cpuNanos: cpuacct === undefined ? undefined : readNumber(join(cpuacct, 'cpuacct.usage')),
        oomKills: memory === undefined ? 0 : (readKey(join(memory, 'memory.oom_control'), 'oom_kill') ?? 0),
        processes: pidsNow().length,
      }),
      kill: async (timeoutMs = 10_000): Promise<KillResult> => {
        const escaped: CgroupEscape[] = [];
        const note = (found: CgroupEscape[]): void => {
          for (const e of found) if (!escaped.some((x) => x.pid === e.pid)) escaped.push(e);
        };
        const empty = await killUntilEmpty(
          pidsNow,
          () => {
            // The freezer stops the tasks in its cgroup (nested ones included) so a fork bomb cannot outrun the loop.
            const frozen = freeze !== undefined && existsSync(freeze);
            if (frozen) writeControl(freeze, 'FROZEN', 'freezer.state');
            note(escapes());
            for (const pid of pidsNow()) killQuietly(pid);
            if (frozen) writeControl(freeze, 'THAWED', 'freezer.state');
          },
          timeoutMs,
        );
        return { empty, escaped, survivors: empty ? [] : pidsNow() };
      },
      remove: () => unique.flatMap((d) => removeTree(d)),
    };
  }

  list(): string[] {
    const ids = new Set<string>();
    for (const mount of new Set(this.hierarchies().values())) {
      const dir = join(mount, this.root);
      if (!existsSync(dir)) continue;
      for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) ids.add(entry.name);
    }
    return [...ids];
  }

  private hierarchies(): Map<Controller, string> {
    const found = new Map<Controller, string>();
    for (const c of CONTROLLERS) {
      const mount = this.mounts.get(c);
      if (mount !== undefined) found.set(c, mount);
    }
    return found;
  }

  private dirsOf(id: string): Map<Controller, string> {
    const dirs = new Map<Controller, string>();
    for (const [c, mount] of this.hierarchies()) dirs.set(c, join(mount, this.root, id));
    return dirs;
  }
}
