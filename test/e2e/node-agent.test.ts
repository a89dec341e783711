/**
 * The node agent's pod lifecycle as kubectl users see it, against both control planes: `hostpod
 * up`, and the real kube-apiserver, controller manager and scheduler with a hostpod node joined by
 * TLS bootstrapping (issue 15: one suite, two control planes). Restarts with
 * CrashLoopBackOff and `--previous`, init containers, the log options, exec with and without a
 * terminal (kubectl 1.27 over SPDY, 1.33 over WebSocket), ConfigMap and Secret volumes and
 * variables, the service-account token with in-cluster kubectl, probes, activeDeadlineSeconds,
 * graceful deletion, image pull failures, and the refusal of pods that are not HostProcess.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { removeAllContainers, startUp } from '../support/hostpod-up.js';
import { componentVersions, realClusterSkip } from '../support/kube-binaries.js';
import { startRealCluster } from '../support/real-cluster.js';
import { joinRealNode } from '../support/real-node.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.27') || kubectlSkip('1.33');
const BASE = 'localhost/hostprocess-base:latest';
/** hostpod nodes' taint (node-taints.ts): the test's pods tolerate it, as HostProcess workloads do. */
const TOLERATION = { key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' };

/** The kubelet's flag, a minute by default: the ConfigMap's update below reaches its volume within it. */
const SYNC_FREQUENCY = ['--sync-frequency', '3s'];

/** A control plane with one hostpod node, for the suite. */
interface Plane {
  kubeconfig: string;
  /** What the node agent logged: a denial in it fails the suite. */
  agentLog(): string;
  stop(): Promise<void>;
}

interface PlaneKind {
  name: string;
  skip: string | false;
  start(dir: string): Promise<Plane>;
}

const PLANES: PlaneKind[] = [
  {
    name: 'hostpod up',
    skip: false,
    start: async (dir) => {
      const up = await startUp(dir, 16900 + Math.floor(Math.random() * 400), SYNC_FREQUENCY);
      return {
        kubeconfig: up.kubeconfig,
        agentLog: () => up.log(),
        stop: async () => {
          await up.stop();
          await removeAllContainers(dir);
        },
      };
    },
  },
  {
    name: 'the real control plane',
    skip: realClusterSkip(),
    start: async (dir) => {
      process.stdout.write(`# ${componentVersions().split('\n').join('\n# ')}\n`);
      const cluster = await startRealCluster();
      const node = await joinRealNode(cluster, { name: 'agent-node', dir: join(dir, 'node'), address: '127.0.0.1', kubeletPort: 0, extraArgs: SYNC_FREQUENCY }).catch(async (error: unknown) => {
        await cluster.stop();
        throw error;
      });
      return {
        kubeconfig: cluster.kubeconfig,
        agentLog: () => node.output(),
        stop: async () => {
          // The cluster stops even when removing the node fails: a running cluster keeps the test process alive.
          try {
            await node.remove();
          } finally {
            await cluster.stop();
          }
        },
      };
    },
  },
];

type Json = Record<string, unknown>;

function hostProcessPod(name: string, containers: Json[], spec: Json = {}, metadata: Json = {}): Json {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, ...metadata },
    spec: {
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      hostNetwork: true,
      tolerations: [TOLERATION],
      terminationGracePeriodSeconds: 2,
      containers: containers.map((c) => ({ image: BASE, ...c })),
      ...spec,
    },
  };
}

const sh = (script: string): string[] => ['/bin/sh', '-c', script];

for (const kind of PLANES) describe(`the node agent, driven by kubectl, against ${kind.name}`, { skip: skip || kind.skip, timeout: 600_000 }, () => {
  let dir: string;
  let plane: Plane | undefined;
  let k: Kubectl;
  let old: Kubectl;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-agent-'));
    plane = await kind.start(dir);
    k = kubectl('1.33', plane.kubeconfig);
    old = kubectl('1.27', plane.kubeconfig);
    // Both API servers authorize service accounts by RBAC: the operator lets the default account
    // read its namespace (the in-cluster kubectl below).
    const bound = await k('create', 'rolebinding', 'default-view', '--clusterrole=view', '--serviceaccount=default:default');
    assert.equal(bound.code, 0, bound.stderr);
  });
  after(async () => {
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function apply(...objects: Json[]): Promise<void> {
    const file = join(dir, `apply-${Date.now()}-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    const result = await k('apply', '-f', file);
    assert.equal(result.code, 0, result.stderr);
  }

  async function pod(name: string): Promise<Json & { status: Json & { phase?: string; containerStatuses?: Json[]; initContainerStatuses?: Json[]; reason?: string; message?: string } }> {
    const result = await k('get', 'pod', name, '-o', 'json');
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as never;
  }

  async function events(name: string): Promise<string> {
    return (await k('get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message', '--no-headers')).stdout;
  }

  test('restartPolicy Always: a crashing container restarts with CrashLoopBackOff; --previous shows the run before', async () => {
    await apply(hostProcessPod('crasher', [{ name: 'main', command: sh('echo "run at $(date +%s%N)"; exit 3') }]));
    const status = await eventually(async () => {
      const p = await pod('crasher');
      const c = p.status.containerStatuses?.[0] as { restartCount: number; state: { waiting?: { reason: string; message: string } }; lastState: { terminated?: { exitCode: number; reason: string } } } | undefined;
      return c && c.restartCount >= 1 && c.state.waiting?.reason === 'CrashLoopBackOff' ? { pod: p, container: c } : undefined;
    }, 30_000, 'CrashLoopBackOff');
    assert.equal(status.pod.status.phase, 'Running', 'a pod that restarts Always stays Running');
    assert.equal(status.container.lastState.terminated?.exitCode, 3);
    assert.equal(status.container.lastState.terminated?.reason, 'Error');
    assert.match(status.container.state.waiting?.message ?? '', /^back-off 10s restarting failed container=main pod=crasher_default\(/);
    const table = (await k('get', 'pod', 'crasher', '--no-headers')).stdout;
    assert.match(table, /^crasher\s+0\/1\s+CrashLoopBackOff\s+1 \(\d+s ago\)/);
    const current = (await k('logs', 'crasher')).stdout;
    const previous = (await k('logs', 'crasher', '--previous')).stdout;
    assert.match(current, /^run at \d+\n$/);
    assert.match(previous, /^run at \d+\n$/);
    assert.notEqual(current, previous, '--previous is the instance before');
    assert.match(await events('crasher'), /Warning\s+BackOff\s+Back-off restarting failed container main in pod crasher_default/);
    await k('delete', 'pod', 'crasher', '--wait=false');
  });

  test('init containers run first, in order, and share an emptyDir with the container; restartPolicy Never completes', async () => {
    await apply(hostProcessPod('init-order', [{ name: 'main', command: sh('cat /work/order'), volumeMounts: [{ name: 'work', mountPath: '/work' }] }], {
      restartPolicy: 'Never',
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [
        { image: BASE, name: 'first', command: sh('echo first >> /work/order'), volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        { image: BASE, name: 'second', command: sh('echo second >> /work/order'), volumeMounts: [{ name: 'work', mountPath: '/work' }] },
      ],
    }));
    const done = await eventually(async () => ((await pod('init-order')).status.phase === 'Succeeded' ? pod('init-order') : undefined), 30_000, 'Succeeded');
    assert.deepEqual(done.status.initContainerStatuses?.map((s) => (s as { state: { terminated: { reason: string } } }).state.terminated.reason), ['Completed', 'Completed']);
    assert.equal((await k('logs', 'init-order')).stdout, 'first\nsecond\n');
    assert.equal((await k('logs', 'init-order', '-c', 'second')).stdout, '');
    const table = (await k('get', 'pod', 'init-order', '--no-headers')).stdout;
    assert.match(table, /^init-order\s+0\/1\s+Completed\s+0/);
  });

  test('a failing init container with restartPolicy Never fails the pod; the containers never start', async () => {
    await apply(hostProcessPod('init-fails', [{ name: 'main', command: sh('echo should not run') }], {
      restartPolicy: 'Never',
      initContainers: [{ image: BASE, name: 'setup', command: sh('echo setup failed >&2; exit 7') }],
    }));
    const failed = await eventually(async () => ((await pod('init-fails')).status.phase === 'Failed' ? pod('init-fails') : undefined), 30_000, 'Failed');
    assert.equal((failed.status.initContainerStatuses?.[0] as { state: { terminated: { exitCode: number } } }).state.terminated.exitCode, 7);
    assert.equal((failed.status.containerStatuses?.[0] as { state: { waiting?: { reason: string } } }).state.waiting?.reason, 'PodInitializing');
    assert.match((await k('get', 'pod', 'init-fails', '--no-headers')).stdout, /Init:Error/);
  });

  test('a missing executable ends the container StartError (exit 128): a Never pod ends Failed, an Always one crash-loops', async () => {
    await apply(
      hostProcessPod('no-binary-never', [{ name: 'main', command: ['/no/such/binary-xyz'] }], { restartPolicy: 'Never' }),
      hostProcessPod('no-binary-always', [{ name: 'main', command: ['/no/such/binary-xyz'] }]),
    );
    type Terminated = { exitCode: number; reason: string; message?: string };
    type Status = { state: { waiting?: { reason: string }; terminated?: Terminated }; lastState: { terminated?: Terminated }; restartCount: number };
    const failed = await eventually(async () => ((await pod('no-binary-never')).status.phase === 'Failed' ? pod('no-binary-never') : undefined), 30_000, 'Failed');
    const never = failed.status.containerStatuses?.[0] as Status;
    assert.equal(never.state.terminated?.reason, 'StartError');
    assert.equal(never.state.terminated?.exitCode, 128);
    assert.match(never.state.terminated?.message ?? '', /failed to find executable "\/no\/such\/binary-xyz"/);
    assert.equal(never.restartCount, 0);
    assert.match((await k('get', 'pod', 'no-binary-never', '--no-headers')).stdout, /^no-binary-never\s+0\/1\s+StartError\s+0/);
    assert.match(await events('no-binary-never'), /Warning\s+Failed\s+Error: .*failed to find executable/);
    const looping = await eventually(async () => {
      const p = await pod('no-binary-always');
      const status = p.status.containerStatuses?.[0] as Status | undefined;
      return status?.state.waiting?.reason === 'CrashLoopBackOff' ? status : undefined;
    }, 60_000, 'CrashLoopBackOff');
    assert.equal(looping.lastState.terminated?.reason, 'StartError');
    assert.equal(looping.lastState.terminated?.exitCode, 128);
    assert.equal((await pod('no-binary-always')).status.phase, 'Running');
    await k('delete', 'pod', 'no-binary-never', 'no-binary-always', '--wait=false');
  });

  test('kubectl logs: -c, --all-containers, --tail, --timestamps, --since, -f', async () => {
    await apply(hostProcessPod('talker', [
      { name: 'a', command: sh('for i in 1 2 3 4 5; do echo "a$i"; done; sleep 600') },
      { name: 'b', command: sh('echo b1; echo b-err >&2; sleep 600') },
    ]));
    await eventually(async () => ((await k('logs', 'talker', '-c', 'a')).stdout.includes('a5') ? true : undefined), 30_000, 'a5');
    assert.equal((await k('logs', 'talker', '-c', 'a')).stdout, 'a1\na2\na3\na4\na5\n');
    assert.equal((await k('logs', 'talker', '-c', 'a', '--tail=2')).stdout, 'a4\na5\n');
    assert.match((await k('logs', 'talker', '-c', 'b', '--timestamps')).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z b1\n\S+ b-err\n$/);
    assert.equal((await k('logs', 'talker', '-c', 'a', '--since=1h')).stdout, 'a1\na2\na3\na4\na5\n');
    // kubectl walks the containers in Go map order: each container's lines come whole, in either order.
    const all = (await k('logs', 'talker', '--all-containers')).stdout;
    assert.ok(['a1\na2\na3\na4\na5\nb1\nb-err\n', 'b1\nb-err\na1\na2\na3\na4\na5\n'].includes(all), all);
    const noContainer = await k('logs', 'talker');
    assert.match(noContainer.stdout + noContainer.stderr, /Defaulted container "a" out of: a, b|a1/);

    // -f: what is written later arrives, and the stream ends when the container stops.
    await apply(hostProcessPod('follower', [{ name: 'main', command: sh(`echo start; while [ ! -e ${dir}/go ]; do sleep 0.1; done; echo later; sleep 0.5`) }], { restartPolicy: 'Never' }));
    await eventually(async () => ((await k('logs', 'follower')).stdout.includes('start') ? true : undefined), 30_000, 'start');
    const follow = spawn(k.binary, [...k.baseArgs, 'logs', '-f', 'follower'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    follow.stdout.on('data', (c: Buffer) => (followed += c.toString()));
    const ended = new Promise<number | null>((resolve) => follow.once('exit', resolve));
    await eventually(() => (followed.includes('start') ? true : undefined), 10_000, 'the followed start');
    writeFileSync(join(dir, 'go'), '');
    assert.equal(await ended, 0);
    assert.equal(followed, 'start\nlater\n');
  });

  for (const version of ['1.27', '1.33']) {
    test(`kubectl ${version} exec: exit codes, stdin, and -t with a terminal of the client's size`, async () => {
      const client = version === '1.27' ? old : k;
      const name = `exec-${version.replace('.', '-')}`;
      await apply(hostProcessPod(name, [{ name: 'main', command: sh('sleep 600') }]));
      await eventually(async () => ((await k('get', 'pod', name, '--no-headers')).stdout.includes('Running') ? true : undefined), 30_000, 'Running');
      const id = await client('exec', name, '--', 'id', '-u');
      assert.equal(id.stdout, '0\n');
      const failed = await client('exec', name, '--', 'sh', '-c', 'echo out; echo err >&2; exit 5');
      assert.equal(failed.code, 5);
      assert.equal(failed.stdout, 'out\n');
      assert.match(failed.stderr, /err\n/);
      const piped = await new Promise<string>((resolve) => {
        const child = spawn(client.binary, [...client.baseArgs, 'exec', '-i', name, '--', 'sh', '-c', 'tr a-z A-Z'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.on('exit', () => resolve(out));
        child.stdin.end('hello stdin\n');
      });
      assert.equal(piped, 'HELLO STDIN\n');
      // -t needs kubectl's stdin to be a terminal: script(1) gives it one, 100 columns by 30 rows.
      const tty = await new Promise<string>((resolve) => {
        const command = [client.binary, ...client.baseArgs, 'exec', '-it', name, '--', 'sh', '-c', 'tty; stty size'].map((a) => `'${a}'`).join(' ');
        const child = spawn('script', ['--quiet', '--return', '--command', `stty cols 100 rows 30; ${command}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.on('exit', () => resolve(out));
        setTimeout(() => child.stdin.end(), 3000);
      });
      assert.match(tty, /\/dev\/pts\/\d+\r?\n/);
      assert.match(tty, /30 100/);
      await k('delete', 'pod', name, '--wait=false');
    });
  }

  test('ConfigMap and Secret: volumes (updated in place), envFrom and key references; the token and in-cluster kubectl', async () => {
    assert.equal((await k('create', 'configmap', 'settings', '--from-literal=color=blue', '--from-literal=size=10')).code, 0);
    assert.equal((await k('create', 'secret', 'generic', 'creds', '--from-literal=password=hunter2')).code, 0);
    const kubectlBinary = k.binary;
    await apply(hostProcessPod('configured', [{
      name: 'main',
      command: sh('echo "color=$color size=$SIZE pw=$PW host=$KUBERNETES_SERVICE_HOST"; sleep 600'),
      envFrom: [{ configMapRef: { name: 'settings' } }],
      env: [{ name: 'SIZE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'size' } } }, { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }],
      volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }, { name: 'sec', mountPath: '/etc/creds' }, { name: 'info', mountPath: '/etc/podinfo' }],
    }], {
      volumes: [
        { name: 'cfg', configMap: { name: 'settings' } },
        { name: 'sec', secret: { secretName: 'creds', items: [{ key: 'password', path: 'db/pw' }] } },
        { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
      ],
    }, { labels: { app: 'configured', tier: 'web' } }));
    await eventually(async () => ((await k('logs', 'configured')).stdout.includes('color=') ? true : undefined), 30_000, 'the output');
    assert.equal((await k('logs', 'configured')).stdout, 'color=blue size=10 pw=hunter2 host=127.0.0.1\n');
    assert.equal((await k('exec', 'configured', '--', 'cat', '/etc/app/color', '/etc/creds/db/pw', '/etc/podinfo/name')).stdout, 'bluehunter2configured');
    assert.equal((await k('exec', 'configured', '--', 'cat', '/etc/podinfo/labels')).stdout, 'app="configured"\ntier="web"');
    const readOnly = await k('exec', 'configured', '--', 'sh', '-c', 'echo x > /etc/app/new');
    assert.notEqual(readOnly.code, 0, 'configMap volumes are read-only');
    // In-cluster: the real kubectl inside the container finds the API server and its token by itself.
    const inCluster = await k('exec', 'configured', '--', kubectlBinary, 'get', 'pod', 'configured', '-o', 'name');
    assert.equal(inCluster.stdout, 'pod/configured\n', inCluster.stderr);
    const denied = await k('exec', 'configured', '--', kubectlBinary, 'get', 'pods', '-n', 'kube-system');
    assert.match(denied.stdout + denied.stderr, /system:serviceaccount:default:default.*cannot list resource "pods"/);
    // An update reaches the running container through the atomic ..data swap, within the node's
    // --sync-frequency (3 s here; the default minute would miss this wait).
    assert.equal((await k('patch', 'configmap', 'settings', '-p', '{"data":{"color":"green"}}')).code, 0);
    await eventually(async () => ((await k('exec', 'configured', '--', 'cat', '/etc/app/color')).stdout === 'green' ? true : undefined), 15_000, 'the updated key within --sync-frequency');
  });

  test('probes: readiness by exec, liveness by httpGet restarts, tcpSocket; Unhealthy events', async () => {
    await apply(hostProcessPod('probed', [
      {
        name: 'ready-later',
        command: sh(`sleep 2; touch ${dir}/ready; sleep 600`),
        readinessProbe: { exec: { command: ['test', '-e', `${dir}/ready`] }, periodSeconds: 1 },
      },
      {
        name: 'unhealthy',
        command: sh('sleep 600'),
        livenessProbe: { httpGet: { path: '/healthz', port: 1 }, periodSeconds: 1, failureThreshold: 2 },
      },
      {
        name: 'tcp',
        command: sh('sleep 600'),
        // The API server listens on 127.0.0.1 only: the probe names that host.
        readinessProbe: { tcpSocket: { host: '127.0.0.1', port: Number(new URL((await k('config', 'view', '-o', 'jsonpath={.clusters[0].cluster.server}')).stdout).port) }, periodSeconds: 1 },
      },
    ]));
    const early = await eventually(async () => {
      const statuses = (await pod('probed')).status.containerStatuses as { name: string; ready: boolean; state: { running?: unknown } }[] | undefined;
      const status = statuses?.find((c) => c.name === 'ready-later');
      return status?.state.running ? status : undefined;
    }, 30_000, 'ready-later to run');
    assert.equal(early.ready, false, 'not ready until its readiness probe succeeds');
    const restarted = await eventually(async () => {
      const statuses = (await pod('probed')).status.containerStatuses as { name: string; ready: boolean; restartCount: number }[] | undefined;
      const byName = new Map(statuses?.map((s) => [s.name, s]));
      return byName.get('ready-later')?.ready && byName.get('tcp')?.ready && (byName.get('unhealthy')?.restartCount ?? 0) >= 1 ? byName : undefined;
    }, 60_000, 'readiness and a liveness restart');
    assert.ok((restarted.get('unhealthy')?.restartCount ?? 0) >= 1);
    const log = await events('probed');
    assert.match(log, /Warning\s+Unhealthy\s+Liveness probe failed: Get "http:\/\/[\d.]+:1\/healthz": dial tcp [\d.]+:1: connect: connection refused/);
    assert.match(log, /Normal\s+Killing\s+Container unhealthy failed liveness probe, will be restarted/);
    assert.match(log, /Warning\s+Unhealthy\s+Readiness probe failed/);
    await k('delete', 'pod', 'probed', '--wait=false');
  });

  test('lifecycle hooks: postStart runs at the start, preStop before the stop signal', async () => {
    const hostDir = join(dir, 'hooks');
    await apply(hostProcessPod('hooked', [{
      name: 'main',
      command: sh(`trap "echo TERM >> ${hostDir}/order; exit 0" TERM; while true; do sleep 0.1; done`),
      lifecycle: {
        postStart: { exec: { command: sh(`mkdir -p ${hostDir}; echo postStart >> ${hostDir}/order`) } },
        preStop: { exec: { command: sh(`echo preStop >> ${hostDir}/order`) } },
      },
    }], { terminationGracePeriodSeconds: 5 }));
    await eventually(async () => ((await k('get', 'pod', 'hooked', '--no-headers')).stdout.includes('Running') ? true : undefined), 30_000, 'Running');
    assert.equal((await k('delete', 'pod', 'hooked')).code, 0);
    assert.equal(readFileSync(join(hostDir, 'order'), 'utf8'), 'postStart\npreStop\nTERM\n');
  });

  test('activeDeadlineSeconds ends the pod Failed with DeadlineExceeded', async () => {
    await apply(hostProcessPod('deadline', [{ name: 'main', command: sh('sleep 600') }], { activeDeadlineSeconds: 2 }));
    const failed = await eventually(async () => ((await pod('deadline')).status.phase === 'Failed' ? pod('deadline') : undefined), 30_000, 'Failed');
    assert.equal(failed.status.reason, 'DeadlineExceeded');
    assert.equal(failed.status.message, 'Pod was active on the node longer than the specified deadline');
  });

  test('graceful deletion: the stop signal, the grace period, then the pod is gone', async () => {
    await apply(hostProcessPod('graceful', [{ name: 'main', command: sh('trap "echo got TERM; sleep 1; echo bye; exit 0" TERM; echo up; while true; do sleep 0.1; done') }], { terminationGracePeriodSeconds: 10 }));
    await eventually(async () => ((await k('logs', 'graceful')).stdout.includes('up') ? true : undefined), 30_000, 'up');
    const follow = spawn(k.binary, [...k.baseArgs, 'logs', '-f', 'graceful'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    follow.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await eventually(() => (out.includes('up') ? true : undefined), 10_000, 'following');
    const begun = Date.now();
    const deleted = await k('delete', 'pod', 'graceful');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.ok(Date.now() - begun < 9000, 'the pod went as soon as its container ended, within the grace period');
    await eventually(() => (out.includes('bye') ? true : undefined), 10_000, 'the TERM handler output');
    assert.equal(out, 'up\ngot TERM\nbye\n');
    assert.match(await events('graceful'), /Normal\s+Killing\s+Stopping container main/);
  });

  test('a pod that is not HostProcess fails, saying hostpod runs only HostProcess pods; a missing image backs off', async () => {
    // Tolerating the node's taint, the scheduler places it there; the node refuses it.
    await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ordinary' }, spec: { tolerations: [TOLERATION], containers: [{ name: 'c', image: 'busybox' }] } });
    const refused = await eventually(async () => ((await pod('ordinary')).status.phase === 'Failed' ? pod('ordinary') : undefined), 30_000, 'Failed');
    assert.equal(refused.status.reason, 'NotHostProcess');
    assert.match(refused.status.message ?? '', /^hostpod runs only HostProcess pods/);

    const windows = hostProcessPod('windows-only', [{ name: 'main', command: sh('true') }], { os: { name: 'windows' } });
    await apply(windows);
    const wrongOs = await eventually(async () => ((await pod('windows-only')).status.phase === 'Failed' ? pod('windows-only') : undefined), 30_000, 'Failed');
    assert.equal(wrongOs.status.reason, 'PodOSNotSupported');
    assert.equal(wrongOs.status.message, "Failed to admit pod as the OS field doesn't match node OS");

    await apply(hostProcessPod('no-image', [{ name: 'main', image: '127.0.0.1:9/missing/image:v1', command: sh('true') }]));
    const waiting = await eventually(async () => {
      const c = (await pod('no-image')).status.containerStatuses?.[0] as { state: { waiting?: { reason: string } } } | undefined;
      return c?.state.waiting?.reason === 'ImagePullBackOff' ? c : undefined;
    }, 60_000, 'ImagePullBackOff');
    assert.ok(waiting);
    const log = await events('no-image');
    assert.match(log, /Normal\s+Pulling\s+Pulling image "127\.0\.0\.1:9\/missing\/image:v1"/);
    assert.match(log, /Warning\s+Failed\s+Error: ErrImagePull/);
    assert.match(log, /Normal\s+BackOff\s+Back-off pulling image/);
    await k('delete', 'pod', 'no-image', '--wait=false');
  });

  test('a DaemonSet applied before its ServiceAccount runs its pod moments after the account comes (controllers back off, then retry)', async () => {
    const template = hostProcessPod('unused', [{ name: 'main', command: sh('sleep 3600') }], { serviceAccountName: 'latecomer' });
    const spec = template['spec'] as Json;
    await apply({
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'early' },
      spec: { selector: { matchLabels: { app: 'early' } }, template: { metadata: { labels: { app: 'early' } }, spec } },
    });
    // Refused while the account is missing; three seconds of the controller's back-off (5 ms doubling) go by.
    await eventually(async () => ((await events('early')).includes('FailedCreate') ? true : undefined), 30_000, 'the refused create');
    await new Promise((r) => setTimeout(r, 3000));
    const created = await k('create', 'serviceaccount', 'latecomer', '-o', 'jsonpath={.metadata.creationTimestamp}');
    assert.equal(created.code, 0, created.stderr);
    const podCreated = await eventually(async () => {
      const run = await k('get', 'pods', '-l', 'app=early', '-o', 'jsonpath={.items[0].metadata.creationTimestamp}');
      return run.code === 0 && run.stdout !== '' ? run.stdout : undefined;
    }, 60_000, 'the daemon pod');
    // Seconds, as the API gives them: the retry after three seconds of failures comes within about three more.
    const after = (Date.parse(podCreated) - Date.parse(created.stdout)) / 1000;
    assert.ok(after <= 5, `the pod came ${after} s after its ServiceAccount (before the fix: at the next node heartbeat, tens of seconds)`);
    const deleted = await k('delete', 'daemonset', 'early', '--wait=false');
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  test('the agent was refused nothing: it stayed within what the control plane lets a node do', () => {
    // hostpod up's log holds its controllers' too: a create they retry (a pod refused until its
    // ServiceAccount exists, above) is theirs, not the agent's.
    const denied = (plane?.agentLog() ?? '').split('\n').filter((line) => /forbidden|\b403\b/i.test(line) && !line.includes('"controller":'));
    assert.deepEqual(denied, []);
  });
});
