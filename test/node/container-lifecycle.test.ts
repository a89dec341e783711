/**
 * The containers' lifecycle against a scripted runtime: the kubelet's order, and no container
 * started twice when it ends between a sync's collection and its starts (an init container that
 * exits at once used to be taken for one that never ran).
 */
import type { V1Pod } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiObjectSource } from '../../src/node/api-objects.js';
import { ContainerLifecycle } from '../../src/node/container-lifecycle.js';
import { ContainerTrack } from '../../src/node/container-track.js';
import type { KubeClient } from '../../src/node/kube-client/client.js';
import type { NodeContext } from '../../src/node/node-context.js';
import { podPhase, type RestartPolicy } from '../../src/node/pod-status.js';
import { HostpodError } from '../../src/errors.js';
import { ContainerStartError, type ContainerRuntime, type ContainerState, type ContainerStatus, type StartRequest } from '../../src/runtime/index.js';

/** A runtime whose containers are what the test says: their state, and their status once collected. */
function scriptedRuntime(): { runtime: ContainerRuntime; states: Map<string, ContainerState>; exits: Map<string, number>; started: string[]; collected: string[] } {
  const states = new Map<string, ContainerState>();
  const exits = new Map<string, number>();
  const finalized = new Map<string, ContainerStatus>();
  const started: string[] = [];
  const collected: string[] = [];
  const runtime = {
    state: (id: string) => states.get(id) ?? 'created',
    finalStatus: (id: string) => finalized.get(id),
    isOrphaned: () => false,
    collect: (id: string) => {
      collected.push(id);
      const exitCode = exits.get(id);
      if (states.get(id) !== 'exited' || exitCode === undefined) return Promise.resolve(undefined);
      const status: ContainerStatus = { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() };
      finalized.set(id, status);
      return Promise.resolve(status);
    },
    inspect: (id: string) => ({ id, restartCount: 0 }),
    start: (request: StartRequest) => {
      const id = `${request.container.name}-${started.length}`;
      started.push(request.container.name);
      states.set(id, 'running');
      return Promise.resolve({ id });
    },
    prune: () => undefined,
  } as unknown as ContainerRuntime;
  return { runtime, states, exits, started, collected };
}

const pod: V1Pod = {
  metadata: { name: 'init-order', namespace: 'default', uid: 'uid-1' },
  spec: {
    restartPolicy: 'Never',
    initContainers: [{ name: 'first', image: 'base' }, { name: 'second', image: 'base' }],
    containers: [{ name: 'main', image: 'base' }],
  },
};

function lifecycle(runtime: ContainerRuntime): ContainerLifecycle {
  const node = {
    runtime,
    client: {} as KubeClient,
    images: { ensure: () => Promise.resolve(undefined) },
    events: { record: () => undefined },
    backoff: { next: () => 10_000 },
    nodeName: 'node-a',
    hostIP: '10.0.0.5',
    mountMode: 'bind',
    serviceEnv: {},
    log: () => undefined,
  } as unknown as NodeContext;
  return new ContainerLifecycle(node, { pod: () => pod, uid: 'uid-1', dir: '/pods/uid-1', policy: () => 'Never', volumeDirs: () => new Map(), kick: () => undefined, wakeAt: () => undefined }, new ApiObjectSource({} as KubeClient));
}

const tracksOf = (): ContainerTrack[] => [
  ...pod.spec!.initContainers!.map((c) => new ContainerTrack(c, true)),
  ...pod.spec!.containers.map((c) => new ContainerTrack(c, false)),
];

test('init containers start one at a time; the containers wait for them', async () => {
  const r = scriptedRuntime();
  const tracks = tracksOf();
  const life = lifecycle(r.runtime);
  await life.sync(tracks);
  assert.deepEqual(r.started, ['first']);
  await life.sync(tracks);
  assert.deepEqual(r.started, ['first'], 'nothing more while the first runs');
});

test('an init container that ended after the collection is collected, not started again', async () => {
  const r = scriptedRuntime();
  const tracks = tracksOf();
  const life = lifecycle(r.runtime);
  await life.sync(tracks);
  // It exits between this sync's collection and its starts: exited, not yet finalized.
  r.states.set('first-0', 'exited');
  r.exits.set('first-0', 0);
  await life.sync(tracks);
  assert.deepEqual(r.started, ['first', 'second'], 'the second runs next; the first is not run twice');
  assert.ok(r.collected.includes('first-0'));
});

test('a container that ended under restartPolicy Never is not started again, whether or not it was collected', async () => {
  const r = scriptedRuntime();
  const tracks = tracksOf();
  const life = lifecycle(r.runtime);
  for (const [name, id] of [['first', 'first-0'], ['second', 'second-1']] as const) {
    await life.sync(tracks);
    assert.equal(r.started.at(-1), name);
    r.states.set(id, 'exited');
    r.exits.set(id, 0);
  }
  await life.sync(tracks);
  assert.deepEqual(r.started, ['first', 'second', 'main']);
  r.states.set('main-2', 'exited');
  r.exits.set('main-2', 1);
  await life.sync(tracks);
  await life.sync(tracks);
  assert.deepEqual(r.started, ['first', 'second', 'main'], 'main ran once');
});

/**
 * A runtime whose every start fails as the monitor's does when the executable is not found: the
 * instance exists, ended with StartError and exit code 128.
 */
function failingRuntime(): { runtime: ContainerRuntime; started: string[]; pruned: string[] } {
  const finalized = new Map<string, ContainerStatus>();
  const started: string[] = [];
  const pruned: string[] = [];
  const runtime = {
    state: (id: string) => (finalized.has(id) ? 'exited' : 'created'),
    finalStatus: (id: string) => finalized.get(id),
    isOrphaned: () => false,
    collect: (id: string) => Promise.resolve(finalized.get(id)),
    inspect: (id: string) => ({ id, restartCount: started.indexOf(id), imageId: 'sha256:base', createdAt: new Date().toISOString() }),
    start: (request: StartRequest) => {
      const id = `${request.container.name}-${started.length}`;
      started.push(id);
      const message = `container "${request.container.name}": failed to start: failed to find executable "${request.container.command?.[0] ?? ''}": not in the working directory /, the container's PATH or the system folders`;
      const now = new Date().toISOString();
      finalized.set(id, { exitCode: 128, reason: 'StartError', message, startedAt: undefined, finishedAt: now });
      return Promise.reject(new ContainerStartError(id, new HostpodError('ERR_HOSTPOD_START', message)));
    },
    prune: (id: string) => { pruned.push(id); },
  } as unknown as ContainerRuntime;
  return { runtime, started, pruned };
}

const missingExecutable = (restartPolicy: RestartPolicy): V1Pod => ({
  metadata: { name: 'no-such-binary', namespace: 'default', uid: 'uid-2' },
  spec: { restartPolicy, containers: [{ name: 'main', image: 'base', command: ['/no/such/binary'] }] },
});

function lifecycleOf(runtime: ContainerRuntime, of: V1Pod, events: string[]): ContainerLifecycle {
  const node = {
    runtime,
    client: {} as KubeClient,
    images: { ensure: () => Promise.resolve(undefined) },
    events: { record: (_pod: V1Pod, type: string, reason: string, message: string) => events.push(`${type} ${reason} ${message}`) },
    backoff: { next: () => 10_000 },
    nodeName: 'node-a',
    hostIP: '10.0.0.5',
    mountMode: 'bind',
    serviceEnv: {},
    log: () => undefined,
  } as unknown as NodeContext;
  const policy = (of.spec?.restartPolicy ?? 'Always') as RestartPolicy;
  return new ContainerLifecycle(node, { pod: () => of, uid: 'uid-2', dir: '/pods/uid-2', policy: () => policy, volumeDirs: () => new Map(), kick: () => undefined, wakeAt: () => undefined }, new ApiObjectSource({} as KubeClient));
}

const phaseOf = (p: V1Pod, track: ContainerTrack, runtime: ContainerRuntime): string =>
  podPhase(p.spec!.restartPolicy as RestartPolicy, [], [], ['main'], [track.status(runtime)]);

test('a container whose executable is not found ends StartError (128), and a Never pod ends Failed without a retry', async () => {
  const r = failingRuntime();
  const p = missingExecutable('Never');
  const track = new ContainerTrack(p.spec!.containers[0]!, false);
  const events: string[] = [];
  const life = lifecycleOf(r.runtime, p, events);
  await life.sync([track]);
  await life.sync([track]);
  assert.deepEqual(r.started, ['main-0'], 'not started again');
  const status = track.status(r.runtime);
  assert.equal(status.state?.waiting, undefined, 'not CreateContainerError: it ended');
  assert.equal(status.state?.terminated?.reason, 'StartError');
  assert.equal(status.state?.terminated?.exitCode, 128);
  assert.match(status.state?.terminated?.message ?? '', /failed to find executable "\/no\/such\/binary"/);
  assert.equal(status.containerID, 'hostpod://main-0');
  assert.equal(phaseOf(p, track, r.runtime), 'Failed');
  assert.ok(events.some((e) => /^Warning Failed Error: .*failed to find executable/.test(e)), events.join('\n'));
});

for (const restartPolicy of ['Always', 'OnFailure'] as const) {
  test(`a container whose executable is not found is restarted under ${restartPolicy}, with the crash-loop back-off`, async () => {
    const r = failingRuntime();
    const p = missingExecutable(restartPolicy);
    const track = new ContainerTrack(p.spec!.containers[0]!, false);
    const events: string[] = [];
    const life = lifecycleOf(r.runtime, p, events);
    await life.sync([track]);
    await life.sync([track]);
    assert.deepEqual(r.started, ['main-0'], 'waits for its back-off');
    const status = track.status(r.runtime);
    assert.equal(status.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(status.lastState?.terminated?.reason, 'StartError');
    assert.equal(status.lastState?.terminated?.exitCode, 128);
    assert.equal(phaseOf(p, track, r.runtime), 'Running');
    assert.ok(events.some((e) => e.startsWith('Warning BackOff Back-off restarting failed container main')), events.join('\n'));
    // Its back-off over, it is started again: the restart count goes up, the older instance is kept for --previous.
    track.restartAt = Date.now() - 1;
    await life.sync([track]);
    assert.deepEqual(r.started, ['main-0', 'main-1']);
    assert.equal(track.status(r.runtime).restartCount, 1);
    assert.equal(track.status(r.runtime).lastState?.terminated?.containerID, 'hostpod://main-0');
  });
}

test('a container that cannot be created waits in CreateContainerError with the error and its fix, in its status and its event', async () => {
  const r = scriptedRuntime();
  const runtime = {
    ...r.runtime,
    start: () => Promise.reject(new HostpodError('ERR_HOSTPOD_MONITOR_MISSING', 'the container monitor /opt/hostpod/hostpod-monitor is not built', {
      hint: 'install a C compiler (apt-get install gcc libc6-dev) and run npm run build',
    })),
  } as unknown as ContainerRuntime;
  const p = missingExecutable('Always');
  const track = new ContainerTrack(p.spec!.containers[0]!, false);
  const events: string[] = [];
  await lifecycleOf(runtime, p, events).sync([track]);
  const waiting = track.status(runtime).state?.waiting;
  assert.equal(waiting?.reason, 'CreateContainerError');
  assert.equal(waiting?.message, 'the container monitor /opt/hostpod/hostpod-monitor is not built; install a C compiler (apt-get install gcc libc6-dev) and run npm run build');
  assert.deepEqual(events.filter((e) => e.startsWith('Warning')), [`Warning Failed Error: ${waiting?.message ?? ''}`]);
});
