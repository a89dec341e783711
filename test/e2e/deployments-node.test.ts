/**
 * Deployments and DaemonSet surges with pods that really run (issue 18, point 6): `hostpod up`
 * with its own node, driven by the real kubectl. A Deployment of two HostProcess replicas becomes
 * available; a template change rolls out with maxSurge 1 and maxUnavailable 0, never with fewer
 * than two ready pods; `kubectl rollout undo` returns to the previous template; `kubectl rollout
 * status` exits 0 each time. A DaemonSet with maxSurge 1 starts its new pod before it deletes
 * the old one. Needs root (the node agent), as CI has.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { freePort } from '../support/real-cluster.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.33');
const BASE = 'localhost/hostprocess-base:latest';
/** hostpod nodes' taint (node-taints.ts): HostProcess workloads tolerate it. */
const TOLERATION = { key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' };

type Json = Record<string, unknown>;

function workload(kind: 'Deployment' | 'DaemonSet', name: string): Json {
  const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  return {
    apiVersion: 'apps/v1', kind, metadata: { name, namespace: 'default' },
    spec: {
      ...(kind === 'Deployment' ? { replicas: 2, strategy } : { updateStrategy: strategy }),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
          hostNetwork: true,
          tolerations: [TOLERATION],
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'main', image: BASE, command: ['/bin/sh', '-c', 'sleep 3600'] }],
        },
      },
    },
  };
}

interface PodView { name: string; ready: boolean; deleting: boolean; version: string }

describe('deployments and daemonset surges on hostpod up with its node', { skip, timeout: 300_000 }, () => {
  let dir: string;
  let up: UpProcess | undefined;
  let k: Kubectl;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-deploy-node-'));
    up = await startUp(dir, await freePort());
    k = kubectl('1.33', up.kubeconfig);
  });
  after(async () => {
    await up?.stop();
    await removeAllContainers(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<string> {
    const result = await k(...args);
    assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }

  async function apply(object: Json): Promise<void> {
    const file = join(dir, `${String(object['kind'])}.json`);
    writeFileSync(file, JSON.stringify(object));
    await run('apply', '-f', file);
  }

  async function podsOf(app: string): Promise<PodView[]> {
    const out = await run('get', 'pods', '-l', `app=${app}`, '-o', 'json');
    const items = (JSON.parse(out) as { items: { metadata: { name: string; deletionTimestamp?: string }; spec: { containers: { env?: { name: string; value: string }[] }[] }; status: { conditions?: { type: string; status: string }[] } }[] }).items;
    return items.map((p) => ({
      name: p.metadata.name,
      ready: (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      deleting: p.metadata.deletionTimestamp !== undefined,
      version: p.spec.containers[0]!.env?.find((e) => e.name === 'VERSION')?.value ?? '1',
    }));
  }

  /**
   * Runs `change`, then `kubectl rollout status` to its end, while `kubectl get pods --watch`
   * follows the pods: the pods as they were after each watch event, in order.
   */
  async function rollWatching(app: string, kind: string, count: number, change: () => Promise<void>): Promise<PodView[][]> {
    const before = new Set((await podsOf(app)).map((p) => p.name));
    const template = '{.type}|{.object.metadata.name}|{.object.status.conditions[?(@.type=="Ready")].status}|{.object.metadata.deletionTimestamp}|{.object.spec.containers[0].env[?(@.name=="VERSION")].value}{"\\n"}';
    const watch = spawn(k.binary, [...k.baseArgs, 'get', 'pods', '-l', `app=${app}`, '--watch', '--output-watch-events', '-o', `jsonpath=${template}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const pods = new Map<string, PodView>();
    const seen: PodView[][] = [];
    let buffered = '';
    let listed: () => void = () => undefined;
    const started = new Promise<void>((resolve) => { listed = resolve; });
    let recording = false;
    watch.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [type = '', name = '', ready, deleting, version] = line.split('|');
        if (type === 'DELETED') pods.delete(name);
        else pods.set(name, { name, ready: ready === 'True', deleting: deleting !== '', version: version || '1' });
        // The watch first lists the pods there are: the record starts once it has them all.
        if (recording) seen.push([...pods.values()]);
        else if ([...before].every((n) => pods.has(n))) {
          recording = true;
          seen.push([...pods.values()]);
          listed();
        }
      }
    });
    const exited = new Promise((resolve) => watch.once('exit', resolve));
    try {
      // The watch lists the current pods first: change nothing before it has.
      await started;
      await change();
      const status = await k('rollout', 'status', `${kind}/${app}`, '--timeout=120s');
      assert.equal(status.code, 0, `rollout status: ${status.stdout}${status.stderr}`);
      // rollout status may finish before the old pods are gone (a DaemonSet's counts nodes, not pods).
      await eventually(() => (pods.size === count && [...pods.values()].every((p) => !p.deleting) ? true : undefined), 60_000, 'the old pods gone');
    } finally {
      watch.kill();
      await exited;
    }
    return seen;
  }

  const liveReady = (pods: PodView[]): number => pods.filter((p) => p.ready && !p.deleting).length;

  test('deployment of two HostProcess replicas becomes available, rolls with maxSurge 1 and maxUnavailable 0, and rolls back', async () => {
    await apply(workload('Deployment', 'agent'));
    const status = await k('rollout', 'status', 'deployment/agent', '--timeout=120s');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /deployment "agent" successfully rolled out/);
    assert.equal(await run('get', 'deployment', 'agent', '-o', 'jsonpath={.status.availableReplicas}/{.status.readyReplicas}'), '2/2');

    const rolled = await rollWatching('agent', 'deployment', 2, async () => { await run('set', 'env', 'deployment/agent', 'VERSION=2'); });
    assert.ok(rolled.every((pods) => liveReady(pods) >= 2), `fewer than 2 ready pods at some point: ${JSON.stringify(rolled.find((pods) => liveReady(pods) < 2))}`);
    assert.ok(rolled.every((pods) => pods.filter((p) => !p.deleting).length <= 3), 'more than one pod above the 2 replicas');
    const after = rolled.at(-1)!.filter((p) => !p.deleting);
    assert.deepEqual(after.map((p) => p.version), ['2', '2']);

    const undone = await rollWatching('agent', 'deployment', 2, async () => { await run('rollout', 'undo', 'deployment/agent'); });
    assert.deepEqual(undone.at(-1)!.filter((p) => !p.deleting).map((p) => p.version), ['1', '1']);
    assert.ok(undone.every((pods) => liveReady(pods) >= 2), 'fewer than 2 ready pods during the undo');
    const history = await run('rollout', 'history', 'deployment/agent');
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
  });

  test('daemonset with maxSurge 1 starts the new pod before it deletes the old one', async () => {
    await apply(workload('DaemonSet', 'node-agent'));
    const status = await k('rollout', 'status', 'daemonset/node-agent', '--timeout=120s');
    assert.equal(status.code, 0, status.stderr);
    const [first] = await podsOf('node-agent');
    const rolled = await rollWatching('node-agent', 'daemonset', 1, async () => { await run('set', 'env', 'daemonset/node-agent', 'VERSION=2'); });
    // The old pod was still there, ready, when the new one was.
    assert.ok(rolled.some((pods) => pods.some((p) => p.name === first!.name && p.ready && !p.deleting) && pods.some((p) => p.version === '2')), `the new pod never ran beside the old one: ${JSON.stringify(rolled)}`);
    assert.ok(rolled.every((pods) => liveReady(pods) >= 1), 'the node had no ready daemon pod at some point');
    assert.deepEqual(rolled.at(-1)!.filter((p) => !p.deleting).map((p) => p.version), ['2']);
  });
});
