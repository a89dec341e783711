/**
 * What every ContainerRuntime backend does, as hostpod run, the container commands and the node
 * agent rely on it. A backend's test file calls `containerRuntimeContract` with a factory; the
 * suite only uses the interface, so a second backend (Windows job objects, say) runs it unchanged.
 */
import type { V1Pod } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ContainerRuntime, MountMode, StartRequest } from '../../../src/runtime/index.js';
import { exitCodeOf } from '../../../src/runtime/index.js';
import { hostPod, shell, until } from '../../support/runtime.js';

export interface RuntimeUnderTest {
  runtime: ContainerRuntime;
  /** A second runtime over the same state, as a restarted hostpod opens it. */
  reopen(): ContainerRuntime;
  close(): Promise<void>;
}

export interface ContractOptions {
  mountMode: MountMode;
  /** Why the suite cannot run here (no root, say), or false. */
  skip: string | false;
}

const logText = (runtime: ContainerRuntime, id: string): string => {
  const { path } = runtime.logs(id);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
};

export function containerRuntimeContract(name: string, open: () => Promise<RuntimeUnderTest>, options: ContractOptions): void {
  describe(`ContainerRuntime contract: ${name}`, { skip: options.skip, timeout: 120_000 }, () => {
    let t: RuntimeUnderTest;
    before(async () => {
      t = await open();
    });
    after(async () => {
      await t?.close();
    });
    const request = (pod: V1Pod, extra: Partial<StartRequest> = {}): StartRequest => ({
      pod,
      container: pod.spec!.containers[0]!,
      init: false,
      restartCount: 0,
      podDir: t.runtime.preparePod(pod.metadata!.uid!),
      mountMode: options.mountMode,
      ...extra,
    });

    test('start runs the workload; wait gives its exit code and reason; the log has its output', async () => {
      const pod = hostPod([shell('echo hello from $0; echo oops >&2; exit 3')]);
      const info = await t.runtime.start(request(pod));
      assert.equal(info.name, 'app');
      assert.equal(info.podUid, pod.metadata!.uid);
      assert.equal(info.restartCount, 0);
      assert.equal(info.init, false);
      const status = await t.runtime.wait(info.id);
      assert.equal(status.exitCode, 3);
      assert.equal(status.reason, 'Error');
      assert.ok(status.finishedAt);
      assert.deepEqual(t.runtime.finalStatus(info.id), status, 'the final status is kept');
      assert.equal(t.runtime.state(info.id), 'exited');
      assert.equal(t.runtime.logs(info.id).live(), false);
      const log = logText(t.runtime, info.id);
      assert.match(log, / stdout F hello from /);
      assert.match(log, / stderr F oops/);
      const inspected = t.runtime.inspect(info.id);
      assert.equal(inspected.exitCode, 3);
      assert.equal(inspected.reason, 'Error');
    });

    test('a workload that exits 0 is Completed; start records the restart count, init flag and owner', async () => {
      const pod = hostPod([shell('exit 0')]);
      const info = await t.runtime.start(request(pod, { init: true, restartCount: 4, owner: 'node/contract' }));
      assert.deepEqual([info.init, info.restartCount, info.owner], [true, 4, 'node/contract']);
      const status = await t.runtime.wait(info.id);
      assert.deepEqual([status.exitCode, status.reason], [0, 'Completed']);
    });

    test('collect: undefined while it runs, the final status once it ended, the same again after', async () => {
      const ready = `ready-${Date.now()}`;
      const pod = hostPod([shell(`echo ${ready}; while :; do sleep 0.05; done`)]);
      const info = await t.runtime.start(request(pod));
      assert.deepEqual([info.state, info.cpuNanos, info.memoryBytes], ['running', undefined, undefined], 'start answers from the records, without reading the cgroup');
      await until('the workload to run', () => logText(t.runtime, info.id).includes(ready));
      assert.equal(t.runtime.state(info.id), 'running');
      assert.equal(t.runtime.isOrphaned(info.id), false);
      assert.equal(await t.runtime.collect(info.id), undefined);
      assert.equal(t.runtime.finalStatus(info.id), undefined);
      const stats = t.runtime.stats(info.id);
      assert.ok(stats, 'a running container has stats');
      assert.equal(typeof t.runtime.inspect(info.id).cpuNanos, 'number', 'inspect reads its cgroup');
      const recordsOnly = t.runtime.inspect(info.id, { stats: false });
      assert.deepEqual([recordsOnly.state, recordsOnly.cpuNanos, recordsOnly.memoryBytes, recordsOnly.restartCount], ['running', undefined, undefined, 0], 'inspect without stats reads the records alone');
      const status = await t.runtime.stop(info.id, 0);
      assert.equal(t.runtime.stats(info.id), undefined, 'an ended one has none');
      assert.deepEqual(await t.runtime.collect(info.id), status);
      assert.deepEqual(await t.runtime.collect(info.id), status);
    });

    test('stop: the stop signal first; the whole tree is killed after the grace period', async () => {
      const pod = hostPod([shell('trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 0.05; done')], { terminationGracePeriodSeconds: 30 });
      const polite = await t.runtime.start(request(pod));
      await until('the trap', () => logText(t.runtime, polite.id).includes('ready'));
      const status = await t.runtime.stop(polite.id);
      assert.equal(status.exitCode, 7, 'the workload ended on its stop signal');
      assert.match(logText(t.runtime, polite.id), /got TERM/);

      const stubborn = hostPod([shell('trap "" TERM; (sleep 300 &); echo ready; while :; do sleep 0.05; done')], { terminationGracePeriodSeconds: 30 });
      const info = await t.runtime.start(request(stubborn));
      await until('the trap', () => logText(t.runtime, info.id).includes('ready'));
      const started = Date.now();
      const killed = await t.runtime.stop(info.id, 1);
      assert.equal(killed.exitCode, 137, 'killed after the grace period given to stop');
      assert.ok(Date.now() - started < 10_000, 'the stop did not wait for the pod\'s 30 s');
      assert.equal(killed.warnings, undefined, 'the background child was contained and killed too');
    });

    test('exec runs a process in the running container and gives its exit code; not once it ended', async () => {
      const pod = hostPod([shell('echo ready; while :; do sleep 0.05; done')], {}, 'exec-pod');
      const info = await t.runtime.start(request(pod));
      await until('the workload', () => logText(t.runtime, info.id).includes('ready'));
      const child = t.runtime.spawnExec(info.id, ['/bin/sh', '-c', 'echo in-container $0; exit 4'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      assert.equal(await exitCodeOf(child), 4);
      assert.match(out, /in-container/);
      await t.runtime.stop(info.id, 0);
      assert.throws(() => t.runtime.spawnExec(info.id, ['/bin/true'], { stdio: 'ignore' }), /is not running/);
    });

    test('list, ids and resolve: oldest first; by id, unique prefix, name or pod/name; unknown names are refused', async () => {
      const pod = hostPod([shell('exit 0', {}, 'findme')], {}, 'resolver');
      const info = await t.runtime.start(request(pod));
      await t.runtime.wait(info.id);
      const listed = t.runtime.list();
      assert.ok(listed.some((c) => c.id === info.id));
      assert.deepEqual([...listed].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map((c) => c.id), listed.map((c) => c.id));
      assert.deepEqual(new Set(t.runtime.ids()), new Set(listed.map((c) => c.id)));
      assert.deepEqual(t.runtime.podContainers(info.podUid).sort(), listed.filter((c) => c.podUid === info.podUid).map((c) => c.id).sort());
      assert.ok(t.runtime.podContainers(info.podUid).includes(info.id));
      assert.deepEqual(t.runtime.podContainers('no-such-pod'), []);
      assert.equal(t.runtime.resolve(info.id), info.id);
      assert.equal(t.runtime.resolve(info.id.slice(0, 12)), info.id);
      assert.equal(t.runtime.resolve('findme'), info.id);
      assert.equal(t.runtime.resolve('resolver/findme'), info.id);
      assert.throws(() => t.runtime.resolve('no-such-container'), /no container "no-such-container"/);
    });

    test('a start that cannot happen names the pod and container and leaves nothing behind', async () => {
      const before = new Set(t.runtime.ids());
      const pod = hostPod([{ name: 'ghost', image: 'localhost/not-pulled:v0', command: ['/bin/true'] }], {}, 'broken');
      await assert.rejects(t.runtime.start(request(pod)), /pod "broken" \(namespace default\), container "ghost": image localhost\/not-pulled:v0 is not in the store/);
      assert.deepEqual(new Set(t.runtime.ids()), before);
    });

    test('a reopened runtime re-adopts a running container: still running, stoppable, nothing lost', async () => {
      const pod = hostPod([shell('echo ready; while :; do sleep 0.05; done')], {}, 'adopted');
      const info = await t.runtime.start(request(pod));
      await until('the workload', () => logText(t.runtime, info.id).includes('ready'));
      const again = t.reopen();
      const result = await again.reconcile();
      assert.equal(result.lost.includes(info.id), false);
      assert.equal(again.state(info.id), 'running');
      assert.equal(again.inspect(info.id).podUid, pod.metadata!.uid);
      const status = await again.stop(info.id, 0);
      assert.ok([137, 143].includes(status.exitCode), `ended by its stop signal or the kill, not ${status.exitCode}`);
      assert.deepEqual(t.runtime.finalStatus(info.id), status, 'both see the one final status');
    });

    test('prune and remove: an ended container is forgotten; a running one only with force', async () => {
      const done = await t.runtime.start(request(hostPod([shell('exit 0')], {}, 'pruned')));
      await t.runtime.wait(done.id);
      t.runtime.prune(done.id);
      assert.equal(t.runtime.ids().includes(done.id), false);

      const running = await t.runtime.start(request(hostPod([shell('echo ready; while :; do sleep 0.05; done')], {}, 'removed')));
      await until('the workload', () => logText(t.runtime, running.id).includes('ready'));
      t.runtime.prune(running.id);
      assert.equal(t.runtime.state(running.id), 'running', 'prune leaves a running container alone');
      await assert.rejects(t.runtime.remove(running.id, false), /is running/);
      await t.runtime.remove(running.id, true);
      assert.equal(t.runtime.ids().includes(running.id), false);
      // A stop or wait of a container removed meanwhile says so, naming it.
      await assert.rejects(t.runtime.stop(running.id, 0), new RegExp(`no container ${running.id}: it was removed`));
      await assert.rejects(t.runtime.wait(running.id), new RegExp(`no container ${running.id}: it was removed`));
    });

    test('pod directories: prepared for the pod, shared by its containers, removed with the pod', async () => {
      const pod = hostPod([shell('echo shared > "$0"/../hello 2>/dev/null; exit 0')], {}, 'dirs');
      const uid = pod.metadata!.uid!;
      const dir = t.runtime.preparePod(uid);
      assert.equal(dir, t.runtime.podDir(uid));
      assert.ok(existsSync(dir));
      const info = await t.runtime.start(request(pod));
      await t.runtime.wait(info.id);
      t.runtime.prune(info.id);
      t.runtime.removePod(uid, { namespace: 'default', name: 'dirs', uid });
      assert.equal(existsSync(dir), false);
      assert.equal(existsSync(join(dir, '..', uid)), false);
    });
  });
}
