/**
 * `kubectl debug` on a hostpod node, against both control planes (`hostpod up`, and the real
 * kube-apiserver with a hostpod node joined): `kubectl debug node/NAME` makes a pod that is not a
 * HostProcess pod, which the node runs as one (root, the host's `/` at `/host`) with an event that
 * says so; `kubectl debug POD` adds an ephemeral container through `pods/ephemeralcontainers`,
 * which the node runs once, reports and serves the logs of, and adopts across a kill -9 of
 * `hostpod up`. kubectl 1.32, 1.27 and 1.33.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { nodePlanes, type NodePlane } from '../support/node-planes.js';
import { freePort } from '../support/real-cluster.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.27') || kubectlSkip('1.32') || kubectlSkip('1.33');
const BASE = 'localhost/hostprocess-base:latest';
const TOLERATION = { key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' };


type Json = Record<string, unknown>;
interface Status { name: string; state?: { running?: Json; terminated?: { exitCode: number; reason?: string } } }
interface PodJson { metadata: { name: string }; spec: Json & { ephemeralContainers?: Json[] }; status: { phase?: string; reason?: string; ephemeralContainerStatuses?: Status[]; containerStatuses?: Status[] } }

// The bind-mode mount point `/host` exists only in the container's private view, never on the host.
const hostDirBefore = existsSync('/host');


for (const kind of nodePlanes(`debug-node-${Math.random().toString(36).slice(2, 7)}`)) describe(`kubectl debug on a hostpod node, against ${kind.name}`, { skip: skip || kind.skip, timeout: 600_000 }, () => {
  let dir: string;
  let plane: NodePlane | undefined;
  let k: Kubectl;
  let old: Kubectl;
  let latest: Kubectl;
  let nodeName: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-debug-'));
    plane = await kind.start(dir);
    k = kubectl('1.32', plane.kubeconfig);
    old = kubectl('1.27', plane.kubeconfig);
    latest = kubectl('1.33', plane.kubeconfig);
    nodeName = await eventually(async () => {
      const nodes = await k('get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}');
      return nodes.stdout.trim() || undefined;
    }, 30_000, 'the node');
    await eventually(async () => ((await k('get', 'serviceaccount', 'default')).code === 0 ? true : undefined), 30_000, 'the default service account');
  });
  after(async () => {
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pod(name: string): Promise<PodJson> {
    const result = await k('get', 'pod', name, '-o', 'json');
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as PodJson;
  }

  async function events(name: string): Promise<string> {
    return (await k('get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message', '--no-headers')).stdout;
  }

  async function debugNode(client: Kubectl, ...args: string[]): Promise<string> {
    const result = await client('debug', `node/${nodeName}`, '--image', BASE, ...args);
    assert.equal(result.code, 0, result.stderr);
    const name = /Creating debugging pod (node-debugger-\S+) with container/.exec(result.stdout + result.stderr)?.[1];
    assert.ok(name, `kubectl debug named its pod: ${result.stdout}${result.stderr}`);
    return name;
  }

  test('kubectl debug node/NAME runs as root with the host\'s filesystem at /host, with an event that says why', async () => {
    const name = await debugNode(k, '--', 'sh', '-c', 'cat /host/etc/hostname; id -u');
    const done = await eventually(async () => {
      const p = await pod(name);
      return p.status.phase === 'Succeeded' || p.status.phase === 'Failed' ? p : undefined;
    }, 60_000, 'the debugging pod to end');
    assert.equal(done.status.phase, 'Succeeded', JSON.stringify(done.status));
    // The pod is kubectl's, not a HostProcess pod: no windowsOptions, host namespaces, / at /host.
    assert.equal((done.spec['securityContext'] as Json | undefined)?.['windowsOptions'], undefined);
    assert.equal(done.spec['hostPID'], true);
    const logs = await k('logs', name);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, `${readFileSync('/etc/hostname', 'utf8').trim()}\n0\n`);
    if (!hostDirBefore) assert.equal(existsSync('/host'), false, 'the host never gets /host: it is the container\'s private view');
    assert.match(await events(name), /Normal\s+RunningAsHostProcess\s+Running as a HostProcess container \(as root, NT AUTHORITY\\SYSTEM, in bind mode, with the host's filesystem at \/host\) because hostpod nodes run only HostProcess pods/);
    assert.equal((await k('delete', 'pod', name)).code, 0);
  });

  test('kubectl 1.33 debug node/NAME --profile=sysadmin (privileged) and 1.27 --profile=general run the same way; --profile=baseline (isolation) stays refused', async () => {
    const name = await debugNode(latest, '--profile=sysadmin', '--', 'sh', '-c', 'id -u; test -d /host/proc && echo host-root');
    await eventually(async () => ((await pod(name)).status.phase === 'Succeeded' ? true : undefined), 60_000, 'Succeeded');
    assert.equal((await k('logs', name)).stdout, '0\nhost-root\n');
    assert.equal((await k('delete', 'pod', name)).code, 0);

    // kubectl 1.27 (JSON bodies), the general profile: no securityContext at all.
    const general = await debugNode(old, '--profile=general', '--', 'sh', '-c', 'id -u');
    await eventually(async () => ((await pod(general)).status.phase === 'Succeeded' ? true : undefined), 60_000, 'Succeeded');
    assert.equal((await k('logs', general)).stdout, '0\n');
    assert.equal((await k('delete', 'pod', general)).code, 0);

    // The baseline profile asks for the node's namespaces not to be shared: hostpod cannot give that.
    const isolated = await debugNode(latest, '--profile=baseline', '--', 'true');
    const refused = await eventually(async () => {
      const p = await pod(isolated);
      return p.status.phase === 'Failed' ? p : undefined;
    }, 60_000, 'Failed');
    assert.equal(refused.status.reason, 'NotHostProcess');
    assert.equal((await k('delete', 'pod', isolated)).code, 0);
  });

  test('kubectl debug POD adds an ephemeral container: it runs once, ends terminated exit 0, and kubectl logs -c shows its output', async () => {
    const target = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'target' },
      spec: {
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
        hostNetwork: true, tolerations: [TOLERATION], terminationGracePeriodSeconds: 2,
        containers: [{ name: 'main', image: BASE, command: ['/bin/sh', '-c', 'sleep 600'] }],
      },
    };
    const file = join(dir, 'target.json');
    writeFileSync(file, JSON.stringify(target));
    assert.equal((await k('apply', '-f', file)).code, 0);
    await eventually(async () => ((await pod('target')).status.phase === 'Running' ? true : undefined), 60_000, 'Running');

    for (const [client, container] of [[k, 'dbg'], [old, 'dbg-old']] as const) {
      const debug = await client('debug', 'target', '--image', BASE, '-c', container, '--', 'sh', '-c', `echo hi from ${container}; id -u`);
      assert.equal(debug.code, 0, debug.stderr);
      const status = await eventually(async () => {
        const s = (await pod('target')).status.ephemeralContainerStatuses?.find((c) => c.name === container);
        return s?.state?.terminated ? s : undefined;
      }, 60_000, `${container} terminated`);
      assert.equal(status.state?.terminated?.exitCode, 0);
      assert.equal(status.state?.terminated?.reason, 'Completed');
      const logs = await client('logs', 'target', '-c', container);
      assert.equal(logs.code, 0, logs.stderr);
      // The pod's runAsUserName (SYSTEM) is the ephemeral container's too.
      assert.equal(logs.stdout, `hi from ${container}\n0\n`);
    }
    // Never restarted; the pod's own container is untouched.
    await new Promise((r) => setTimeout(r, 2000));
    const later = await pod('target');
    assert.equal(later.status.phase, 'Running');
    assert.equal(later.spec.ephemeralContainers?.length, 2);
    assert.deepEqual(later.status.ephemeralContainerStatuses?.map((s) => [s.name, s.state?.terminated?.exitCode]), [['dbg', 0], ['dbg-old', 0]]);
    assert.match(await events('target'), /Normal\s+Started\s+Started container dbg\n/);

    // A running ephemeral container is stopped with the pod.
    const long = await k('debug', 'target', '--image', BASE, '-c', 'sleeper', '--', 'sh', '-c', 'echo waiting; sleep 600');
    assert.equal(long.code, 0, long.stderr);
    await eventually(async () => ((await pod('target')).status.ephemeralContainerStatuses?.find((c) => c.name === 'sleeper')?.state?.running ? true : undefined), 60_000, 'sleeper running');
    const begun = Date.now();
    assert.equal((await k('delete', 'pod', 'target', '--wait=true')).code, 0);
    assert.ok(Date.now() - begun < 30_000, 'the pod went within its grace period');
  });

  // kubectl debug -i attaches to the new container's stdin, which its monitor keeps open.
  test('kubectl debug -i: an interactive shell in an ephemeral container and on the node', async () => {
    const target = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'interactive' },
      spec: {
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
        hostNetwork: true, tolerations: [TOLERATION], terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: BASE, command: ['/bin/sh', '-c', 'sleep 600'] }],
      },
    };
    const file = join(dir, 'interactive.json');
    writeFileSync(file, JSON.stringify(target));
    assert.equal((await k('apply', '-f', file)).code, 0);
    await eventually(async () => ((await pod('interactive')).status.phase === 'Running' ? true : undefined), 60_000, 'Running');
    const marker = `marker-${Math.random().toString(36).slice(2)}`;
    for (const args of [['interactive', '-c', 'shell'], [`node/${nodeName}`]]) {
      const session = spawn(k.binary, [...k.baseArgs, 'debug', '-i', ...args, '--image', BASE, '--', 'sh'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      session.stdout.on('data', (c: Buffer) => (out += c.toString()));
      session.stderr.on('data', (c: Buffer) => (out += c.toString()));
      session.stdin.write(`echo ${marker} $(id -u); cat /host/etc/hostname 2>/dev/null; exit 0\n`);
      // A session that did not reach the shell (kubectl falls back to following the logs of a
      // container that never ends) is a failure, not a hang.
      const timer = setTimeout(() => session.kill('SIGKILL'), 90_000);
      const code = await new Promise<number | null>((resolve) => session.once('exit', resolve));
      clearTimeout(timer);
      assert.equal(code, 0, out);
      assert.match(out, new RegExp(`${marker} 0`));
    }
    assert.equal((await k('delete', 'pod', 'interactive', '--wait=false')).code, 0);
  });

  test('pods/ephemeralcontainers refuses what kube-apiserver refuses, with its messages', async () => {
    const target = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'strict' },
      spec: {
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
        hostNetwork: true, tolerations: [TOLERATION], terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: BASE, command: ['/bin/sh', '-c', 'sleep 600'] }],
      },
    };
    const file = join(dir, 'strict.json');
    writeFileSync(file, JSON.stringify(target));
    assert.equal((await k('apply', '-f', file)).code, 0);
    const current = await pod('strict');
    const put = async (ephemeralContainers: Json[]): Promise<{ code: number; stderr: string }> => {
      // No resourceVersion: the node's status writes must not make it a conflict (pods take unconditional updates).
      const body = { ...current, metadata: { ...current.metadata, resourceVersion: undefined }, spec: { ...current.spec, ephemeralContainers } };
      const path = join(dir, `put-${Math.random()}.json`);
      writeFileSync(path, JSON.stringify(body));
      return k('replace', '--raw', '/api/v1/namespaces/default/pods/strict/ephemeralcontainers', '-f', path);
    };
    const bad = await put([{ name: 'main', image: BASE, ports: [{ containerPort: 80 }], readinessProbe: { exec: { command: ['true'] } }, terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /spec\.ephemeralContainers\[0\]\.name: Duplicate value: "main"/);
    assert.match(bad.stderr, /spec\.ephemeralContainers\[0\]\.ports: Forbidden: cannot be set for an Ephemeral Container/);
    assert.match(bad.stderr, /spec\.ephemeralContainers\[0\]\.readinessProbe: Forbidden: cannot be set for an Ephemeral Container/);
    const good = await put([{ name: 'ok', image: BASE, command: ['true'], terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }]);
    assert.equal(good.code, 0, good.stderr);
    const removed = await k('replace', '--raw', '/api/v1/namespaces/default/pods/strict/ephemeralcontainers', '-f', file);
    assert.notEqual(removed.code, 0);
    assert.match(removed.stderr, /The Pod "strict" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "ok" may not be removed\n/);
    assert.equal((await k('delete', 'pod', 'strict', '--wait=false')).code, 0);

    // HostProcess on the containers only: kubectl debug's container (no securityContext) is not
    // one, and a pod with any HostProcess container must be all HostProcess.
    const split = { ...target, metadata: { name: 'split' }, spec: { ...target.spec, securityContext: {}, containers: [{ ...target.spec.containers[0], securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } } }] } };
    writeFileSync(file, JSON.stringify(split));
    assert.equal((await k('apply', '-f', file)).code, 0);
    const mixed = await k('debug', 'split', '--image', BASE, '-c', 'dbg', '--', 'true');
    assert.notEqual(mixed.code, 0);
    assert.match(mixed.stderr, /The Pod "split" is invalid: spec: Invalid value: "": If pod contains any hostProcess containers then all containers must be HostProcess containers/);
    assert.equal((await k('delete', 'pod', 'split', '--wait=false')).code, 0);
  });
});

describe('kubectl debug POD across a kill -9 of hostpod up', { skip: skip, timeout: 300_000 }, () => {
  let dir: string;
  let up: UpProcess | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-debug-kill-'));
  });
  after(async () => {
    await up?.stop();
    await removeAllContainers(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a running ephemeral container is adopted, not restarted, by the next hostpod up; it stops with its pod', async () => {
    const port = await freePort();
    up = await startUp(dir, port);
    const k = kubectl('1.32', up.kubeconfig);
    await eventually(async () => ((await k('get', 'serviceaccount', 'default')).code === 0 ? true : undefined), 30_000, 'the default service account');
    const file = join(dir, 'survivor.json');
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'survivor' },
      spec: {
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
        hostNetwork: true, terminationGracePeriodSeconds: 2,
        containers: [{ name: 'main', image: BASE, command: ['/bin/sh', '-c', 'sleep 600'] }],
      },
    }));
    assert.equal((await k('apply', '-f', file)).code, 0);
    const status = async (): Promise<Status | undefined> => {
      const result = await k('get', 'pod', 'survivor', '-o', 'json');
      return result.code === 0 ? (JSON.parse(result.stdout) as PodJson).status.ephemeralContainerStatuses?.[0] : undefined;
    };
    await eventually(async () => ((await k('get', 'pod', 'survivor', '-o', 'jsonpath={.status.phase}')).stdout === 'Running' ? true : undefined), 60_000, 'Running');
    const debug = await k('debug', 'survivor', '--image', BASE, '-c', 'dbg', '--', 'sh', '-c', 'echo started; sleep 600');
    assert.equal(debug.code, 0, debug.stderr);
    const before = await eventually(async () => {
      const s = await status();
      return s?.state?.running ? s : undefined;
    }, 60_000, 'dbg running');

    await up.kill();
    up = await startUp(dir, port);
    const again = kubectl('1.32', up.kubeconfig);
    await new Promise((r) => setTimeout(r, 3000));
    const adopted = await status();
    assert.deepEqual(adopted?.state?.running, before.state?.running, 'the same instance, still running');
    assert.equal((adopted as { containerID?: string } | undefined)?.containerID, (before as { containerID?: string }).containerID);
    assert.equal((await again('logs', 'survivor', '-c', 'dbg')).stdout, 'started\n');
    assert.equal((await again('delete', 'pod', 'survivor', '--wait=true')).code, 0);
  });
});
