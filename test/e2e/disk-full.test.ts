/**
 * A full disk under the data directory (a small tmpfs, filled up): stopping a container needs no
 * write, its log keeps whole CRI records only, and what could not be written is written once
 * space returns.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmdirSync, rmSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_RUNTIME, type RuntimeSettings } from '../../src/config.js';
import { ensureBuiltin } from '../../src/runtime/image/builtin.js';
import { ImageStore } from '../../src/runtime/image/store.js';
import { parseLogLine } from '../../src/runtime/logs.js';
import { LinuxRuntime } from '../../src/runtime/index.js';
import { api, eventually, startControlPlane } from '../support/controlplane.js';
import { startTestNode } from '../support/node-agent.js';
import { hostPod, removeCgroupDirs, rootSkip, shell } from '../support/runtime.js';
import { processAlive, uniqueSleep } from '../support/processes.js';
import { fillDisk } from '../support/disk.js';
import { alive } from '../support/hostpod-up.js';

const skip = rootSkip();

interface FullDisk {
  dataDir: string;
  runtime: LinuxRuntime;
  /** Writes a file until the file system has no byte left. */
  fill(): void;
  /** Deletes that file: space returns. */
  free(): void;
  close(): Promise<void>;
}

/** A runtime whose data directory is a tmpfs of `size` (mount -t tmpfs -o size=...). */
async function fullDiskRuntime(size = '16m', settings: Partial<RuntimeSettings> = {}): Promise<FullDisk> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hostpod-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dataDir]);
  const cgroupRoot = `hostpod-full-${process.pid}-${randomUUID().slice(0, 8)}`;
  const images = new ImageStore(dataDir);
  await ensureBuiltin(images);
  const runtime = new LinuxRuntime(dataDir, { ...DEFAULT_RUNTIME, ...settings, cgroup: { ...DEFAULT_RUNTIME.cgroup, root: cgroupRoot } }, images);
  const filler = join(dataDir, 'filler');
  return {
    dataDir,
    runtime,
    fill() {
      fillDisk(filler);
      assert.equal(statfsSync(dataDir).bavail, 0, 'the file system is full');
    },
    free() {
      rmSync(filler, { force: true });
    },
    async close() {
      rmSync(filler, { force: true });
      for (const c of runtime.list()) if (c.state !== 'exited') await runtime.stop(c.id, 0);
      await runtime.reconcile();
      execFileSync('umount', ['--lazy', dataDir]);
      rmdirSync(dataDir);
      removeCgroupDirs(cgroupRoot);
    },
  };
}


async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 50));
}

describe('a full disk under the data directory', { skip, timeout: 120_000 }, () => {
  test('stop: on a full disk the container is stopped and its exit recorded, in the room its monitor set aside at its start', async () => {
    const disk = await fullDiskRuntime();
    try {
      const marker = uniqueSleep();
      // A workload that ignores SIGTERM and a pod grace period of an hour: only the grace passed
      // with the stop (0) ends it before the test's timeout.
      const pod = hostPod([shell(`trap "" TERM; ${marker} & wait`)], { terminationGracePeriodSeconds: 3600 });
      const record = disk.runtime.containers.record((await disk.runtime.start({ pod, container: pod.spec!.containers[0]!, init: false, restartCount: 0, podDir: join(disk.dataDir, 'pods', 'p'), mountMode: 'bind' })).id);
      await until(() => processAlive(marker));
      disk.fill();
      // Before the reservation the monitor waited for space to write its exit file, so a pod
      // deleted on a full disk kept its monitor (and the agent its stop) until someone freed space.
      const status = await Promise.race([
        disk.runtime.stop(record.id, 0),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the stop did not end in 20 s on the full disk: the monitor waits for space to write its exit file')), 20_000).unref()),
      ]);
      assert.ok(!processAlive(marker), 'the workload is killed while the disk is full');
      assert.equal(status.exitCode, 137, 'the exit status the monitor saw, written while the disk is full');
      assert.equal(status.reason, 'Error');
      assert.equal(disk.runtime.containers.state(record.id), 'exited');
      assert.ok(!alive(Number(readFileSync(join(disk.dataDir, 'containers', record.id, 'monitor.pid'), 'utf8'))), 'the monitor has exited');
    } finally {
      await disk.close();
    }
  });

  test('logs: a write that fails for space leaves no torn CRI line; every line parses once space returns', async () => {
    const disk = await fullDiskRuntime();
    try {
      const pad = 'x'.repeat(200);
      // About a million bytes a second: records keep crossing the last free page as the disk fills.
      const pod = hostPod([shell(`i=0; while :; do i=$((i+1)); echo "line $i ${pad}"; [ $((i % 40)) -ne 0 ] || sleep 0.01; done`)], { terminationGracePeriodSeconds: 0 });
      const record = disk.runtime.containers.record((await disk.runtime.start({ pod, container: pod.spec!.containers[0]!, init: false, restartCount: 0, podDir: join(disk.dataDir, 'pods', 'p'), mountMode: 'bind' })).id);
      const size = (): number => statSync(record.logPath, { throwIfNoEntry: false })?.size ?? 0;
      await until(() => size() > 50_000);
      disk.fill();
      // Let the workload go on writing into the full disk for a while.
      const full = size();
      await new Promise((r) => setTimeout(r, 500));
      disk.free();
      await until(() => size() > full + 50_000);
      await disk.runtime.stop(record.id, 0);
      const lines = readFileSync(record.logPath, 'utf8').split('\n');
      assert.equal(lines.pop(), '', 'the log ends with a whole line');
      const torn = lines.filter((line) => {
        const entry = parseLogLine(line);
        return !entry || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(entry.time) || !entry.full || !new RegExp(`^line \\d+ ${pad}$`).test(entry.text);
      });
      assert.deepEqual(torn.map((l) => l.slice(0, 120)), [], 'every line is one whole CRI entry');
      assert.ok(lines.length > 400, `lines before and after the full disk (${lines.length})`);
    } finally {
      await disk.close();
    }
  });

  test('pod deletion: the agent stops the container on a full disk, and the deletion finishes', async () => {
    const plane = await startControlPlane();
    const disk = await fullDiskRuntime();
    const node = await startTestNode(plane, disk.runtime);
    try {
      const marker = uniqueSleep();
      const pod = hostPod([shell(`trap "" TERM; ${marker} & wait`)], { terminationGracePeriodSeconds: 3600 }, 'full-disk');
      delete pod.metadata!.uid;
      await node.createPod(pod);
      const id = await eventually(() => disk.runtime.list().find((c) => c.state === 'running')?.id, 30_000, 'the container to run');
      await until(() => processAlive(marker));
      disk.fill();
      const deleted = await api(plane.plane, 'DELETE', '/api/v1/namespaces/default/pods/full-disk?gracePeriodSeconds=1');
      assert.equal(deleted.status, 200, deleted.body);
      await eventually(() => (processAlive(marker) ? undefined : true), 30_000, `the workload to be killed (agent log: ${node.logs.join('\n')})`);
      // The deletion may finish before space returns: the exit file is written into the 64 KiB the
      // monitor set aside at the start, and what it does not need is freed, room enough for the
      // agent's last writes (the container's status, its image lease). Whether it has finished by
      // now is a race; that it finishes, and the container goes, is not.
      disk.free();
      await eventually(async () => ((await api(plane.plane, 'GET', '/api/v1/namespaces/default/pods/full-disk')).status === 404 ? true : undefined), 30_000, 'the pod to be deleted');
      assert.equal(disk.runtime.containers.ids().includes(id), false, 'its container is removed from the node');
    } finally {
      await node.stop();
      await disk.close();
      await plane.stop();
    }
  });
});
