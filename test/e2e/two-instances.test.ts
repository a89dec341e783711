/**
 * Two hostpod instances on one host (two data directories): neither deletes the other's
 * temporary users nor touches its cgroups, whatever root command it runs (`hostpod ps` re-adopts
 * first, as every container command does).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hostPod, removeCgroupDirs, rootSkip, shell, testRuntime, type TestRuntime } from '../support/runtime.js';

const skip = rootSkip();
const GROUP = 'hostpod-e2e-group';

function userExists(name: string): boolean {
  return readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(`${name}:`));
}

function deleteUser(name: string): void {
  if (userExists(name)) execFileSync('userdel', ['--force', name]);
}

/** A temporary user as hostpod made them before they carried their instance's tag. */
function oldFormatUser(containerId: string): string {
  const name = `hostpod-t${containerId.slice(0, 12)}`;
  execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--no-user-group', '--gid', GROUP, '--comment', `hostpod temporary user for container ${containerId}`, name]);
  return name;
}

describe('two hostpod instances on one host', { skip, timeout: 120_000 }, () => {
  // One cgroup subtree for both, as two instances on their defaults share `hostpod`.
  const cgroupRoot = `hostpod-two-${process.pid}`;
  let a: TestRuntime;
  let b: TestRuntime;
  before(async () => {
    execFileSync('sh', ['-c', `getent group ${GROUP} >/dev/null || groupadd ${GROUP}`]);
    a = await testRuntime({ cgroup: { version: 'auto', mount: undefined, root: cgroupRoot } });
    b = await testRuntime({ cgroup: { version: 'auto', mount: undefined, root: cgroupRoot } });
  });
  after(async () => {
    await a.close();
    await b.close();
    removeCgroupDirs(cgroupRoot);
  });

  test("re-adopting one instance leaves the other's running container, its temporary user and its cgroup alone", async () => {
    const pod = hostPod([shell('exec sleep 60')], { securityContext: { windowsOptions: { hostProcess: true, runAsUserName: GROUP } }, terminationGracePeriodSeconds: 0 });
    const stop = new AbortController();
    const running = a.run(pod, { signal: stop.signal });
    try {
      while (!a.runtime.list().some((c) => c.state === 'running')) await new Promise((r) => setTimeout(r, 20));
      const id = a.runtime.list()[0]?.id ?? '';
      const record = a.runtime.containers.record(id);
      assert.ok(userExists(record.user.name));
      const adopted = await b.runtime.reconcile();
      assert.deepEqual(adopted.removedUsers, [], 'the other instance deletes none of its users');
      assert.ok(userExists(record.user.name), "the running container's temporary user is still there");
      assert.equal(a.runtime.containers.state(id), 'running');
      assert.ok(record.cgroup.dirs.every((dir) => existsSync(dir)), 'its cgroup is untouched');
      assert.ok(a.runtime.cgroups.open(id).pids().length > 0, 'its processes still run');
      assert.deepEqual((await a.runtime.reconcile()).removedUsers, [], 'its own instance keeps it too: it is live');
    } finally {
      stop.abort();
      await running;
    }
  });

  test('a temporary user of the old, untagged format is left alone unless its container is provably this instance\'s', async () => {
    const foreign = randomBytes(32).toString('hex');
    const mine = randomBytes(32).toString('hex');
    const foreignUser = oldFormatUser(foreign);
    const mineUser = oldFormatUser(mine);
    // An ended container of instance a whose user a crash left behind.
    const dir = a.runtime.containers.dir(mine);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'container.json'), '{}');
    writeFileSync(join(dir, 'status.json'), '{}');
    try {
      assert.deepEqual((await b.runtime.reconcile()).removedUsers, []);
      assert.ok(userExists(foreignUser) && userExists(mineUser), 'b deletes neither');
      assert.deepEqual((await a.runtime.reconcile()).removedUsers, [mineUser], 'a deletes only the one of its own container');
      assert.ok(userExists(foreignUser));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      deleteUser(foreignUser);
      deleteUser(mineUser);
    }
  });
});
