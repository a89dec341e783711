/** Picks the host's cgroup hierarchy: v2 where /sys/fs/cgroup is cgroup2, else the v1 controllers. */
import { readFileSync } from 'node:fs';
import { HostpodError } from '../../errors.js';
import type { CgroupDriver } from './driver.js';
import { CgroupV1 } from './v1.js';
import { CgroupV2 } from './v2.js';

export interface CgroupSettings {
  /** `auto` (the default) looks at how /sys/fs/cgroup is mounted. */
  version: 'auto' | 'v1' | 'v2';
  /** Where the v2 hierarchy is mounted (default /sys/fs/cgroup). */
  mount: string | undefined;
  /** hostpod's subtree, relative to each hierarchy's root (default `hostpod`). */
  root: string;
}

interface CgroupMount {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** Cgroup mounts from /proc/self/mountinfo. */
export function cgroupMounts(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) continue;
    const [fsType, , superOptions] = after.split(' ');
    const mountPoint = before.split(' ')[4];
    if (mountPoint === undefined || fsType === undefined || !fsType.startsWith('cgroup')) continue;
    // mountinfo escapes spaces and the like as octal.
    mounts.push({ mountPoint: mountPoint.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), fsType, superOptions: (superOptions ?? '').split(',') });
  }
  return mounts;
}

export function detectCgroups(settings: CgroupSettings, mountinfo?: string): CgroupDriver {
  const mounts = cgroupMounts(mountinfo);
  const unified = mounts.find((m) => m.fsType === 'cgroup2' && m.mountPoint === (settings.mount ?? '/sys/fs/cgroup'));
  if (settings.version === 'v2' || (settings.version === 'auto' && unified)) {
    const mount = settings.mount ?? unified?.mountPoint ?? '/sys/fs/cgroup';
    return new CgroupV2(mount, settings.root);
  }
  const controllers = new Map<string, string>();
  for (const m of mounts) {
    if (m.fsType !== 'cgroup') continue;
    for (const option of m.superOptions) if (!controllers.has(option)) controllers.set(option, m.mountPoint);
  }
  if (controllers.size === 0) {
    throw new HostpodError('ERR_HOSTPOD_CGROUP', 'no cgroup hierarchy is mounted (neither cgroup2 at /sys/fs/cgroup nor cgroup v1 controllers)', {
      hint: 'mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup), or set cgroup.mount in the config file',
    });
  }
  return new CgroupV1(controllers, settings.root);
}
