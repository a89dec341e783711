/**
 * Both cgroup drivers against one contract. This host may be v1 (hybrid, with cgroup2 at
 * /sys/fs/cgroup/unified and no controllers there) or v2: each hierarchy it has is tested, and CI
 * has both (v2 with limits refused by name where its controllers are bound to v1).
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { detectCgroups } from '../../src/runtime/cgroup/index.js';
import { inCi, removeCgroupDirs, rootSkip } from '../support/runtime.js';
import { cgroupDriverContract } from './contract/cgroup-driver.contract.js';

const mounts = process.platform === 'linux' ? readFileSync('/proc/self/mountinfo', 'utf8') : '';
const hierarchies: { version: 'v1' | 'v2'; mount?: string }[] = [];
if (/ - cgroup2 /.test(mounts)) hierarchies.push({ version: 'v2', mount: / \/sys\/fs\/cgroup - cgroup2 /.test(mounts) ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified' });
if (/ - cgroup /.test(mounts)) hierarchies.push({ version: 'v1' });

test('this host has a cgroup hierarchy to test', { skip: rootSkip() }, () => {
  if (hierarchies.length === 0 && inCi()) throw new Error('no cgroup hierarchy is mounted');
});

for (const h of hierarchies) {
  const root = `hostpod-contract-${process.pid}-${randomUUID().slice(0, 8)}`;
  cgroupDriverContract(`cgroup ${h.version}${h.mount ? ` at ${h.mount}` : ''}`, () => detectCgroups({ version: h.version, mount: h.mount, root }), {
    skip: rootSkip(),
    cleanUp: () => removeCgroupDirs(root),
  });
}
