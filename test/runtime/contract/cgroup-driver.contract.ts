/**
 * What every cgroup driver does for the runtime: one cgroup per container under hostpod's subtree,
 * its processes (nested cgroups included) counted, killed and removed, and limits applied or
 * refused by name. v1 and v2 run the same suite (test/runtime/cgroup-drivers.test.ts).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { CgroupDriver } from '../../../src/runtime/cgroup/index.js';

/**
 * Whether a process still runs. A killed child of this test stays a zombie until Node reaps it,
 * which a loaded machine may not have done yet: a zombie is not alive.
 */
const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

export function cgroupDriverContract(name: string, open: () => CgroupDriver, options: { skip: string | false; cleanUp: () => void }): void {
  describe(`cgroup driver contract: ${name}`, { skip: options.skip, timeout: 60_000 }, () => {
    const children: ChildProcess[] = [];
    after(() => {
      for (const child of children) child.kill('SIGKILL');
      options.cleanUp();
    });
    const id = (): string => randomBytes(32).toString('hex');
    /**
     * A process placed in every hierarchy of the cgroup, as the monitor places the workload. The
     * script's own children must come after the placement: scripts that fork wait a moment first.
     */
    const place = (procs: string[], script = 'exec sleep 60'): ChildProcess => {
      const child = spawn('/bin/sh', ['-c', script], { stdio: 'ignore' });
      children.push(child);
      for (const file of procs) writeFileSync(file, String(child.pid));
      return child;
    };

    test('create makes the cgroup under the subtree; list has it; it starts empty', () => {
      const driver = open();
      const container = id();
      const cgroup = driver.create(container, {});
      for (const dir of cgroup.dirs) assert.ok(existsSync(dir), `${dir} exists`);
      assert.ok(cgroup.files.procs.length >= 1);
      assert.ok(driver.list().includes(container));
      assert.deepEqual(cgroup.pids(), []);
      assert.equal(cgroup.stats().processes, 0);
      assert.deepEqual(cgroup.remove(), []);
    });

    test('its processes: those placed in it and those in cgroups nested under it', async () => {
      const driver = open();
      const container = id();
      const cgroup = driver.create(container, {});
      const first = place(cgroup.files.procs);
      const nested = join(cgroup.dirs[0]!, 'nested');
      mkdirSync(nested);
      const second = place(cgroup.files.procs);
      writeFileSync(join(nested, 'cgroup.procs'), String(second.pid));
      assert.deepEqual(new Set(driver.open(container).pids()), new Set([first.pid, second.pid]));
      assert.equal(cgroup.stats().processes >= 1, true);
      const killed = await cgroup.kill(5_000);
      assert.equal(killed.empty, true);
      assert.deepEqual(killed.survivors, []);
      assert.equal(alive(first.pid!) || alive(second.pid!), false, 'both are killed');
      assert.deepEqual(cgroup.remove(), [], 'nested cgroups are removed with it');
      for (const dir of cgroup.dirs) assert.equal(existsSync(dir), false);
      assert.equal(driver.list().includes(container), false);
    });

    test('kill reaches what a process forks while it is being killed', async () => {
      const driver = open();
      const cgroup = driver.create(id(), {});
      place(cgroup.files.procs, 'sleep 0.2; while :; do sleep 30 & done');
      await new Promise((r) => setTimeout(r, 400));
      const killed = await cgroup.kill(10_000);
      assert.equal(killed.empty, true);
      assert.deepEqual(cgroup.pids(), []);
      assert.deepEqual(cgroup.remove(), []);
    });

    test('limits: applied where the controller is offered, refused by name where it is not', () => {
      const driver = open();
      const offered = driver.controllers();
      for (const [controller, limits, what] of [
        ['memory', { memoryBytes: 64 * 1024 * 1024 }, 'limits.memory'],
        ['cpu', { cpuMillis: 500 }, 'limits.cpu'],
        ['pids', { pids: 100 }, 'the pids limit'],
      ] as const) {
        const container = id();
        if (offered.has(controller)) {
          const cgroup = driver.create(container, limits);
          assert.ok(driver.list().includes(container));
          assert.deepEqual(cgroup.remove(), []);
        } else {
          assert.throws(() => driver.create(container, limits), new RegExp(`cannot apply ${what}: the ${controller} .*`));
          assert.equal(driver.list().includes(container), false, 'nothing is created');
        }
      }
    });

    test('a memory limit holds: a process that goes over it is OOM-killed and counted', async (t) => {
      const driver = open();
      if (!driver.controllers().has('memory')) {
        t.diagnostic(`${driver.describeRoot}: no memory controller; the refusal is checked above`);
        return;
      }
      const cgroup = driver.create(id(), { memoryBytes: 32 * 1024 * 1024 });
      // The string doubles until it no longer fits.
      const hog = place(cgroup.files.procs, 'sleep 0.2; x=a; while :; do x="$x$x"; done');
      await new Promise<void>((resolve) => hog.on('exit', () => resolve()));
      assert.ok(cgroup.stats().oomKills >= 1, 'the OOM kill is counted');
      await cgroup.kill(5_000);
      assert.deepEqual(cgroup.remove(), []);
    });

    test('open of a container with no cgroup is harmless: nothing to kill or remove', async () => {
      const cgroup = open().open(id());
      assert.deepEqual(cgroup.pids(), []);
      assert.equal((await cgroup.kill(1_000)).empty, true);
      assert.deepEqual(cgroup.remove(), []);
    });
  });
}
