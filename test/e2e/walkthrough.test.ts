/**
 * The seeds' walkthrough, verbatim, with the real kubectl against `hostpod up` (control plane and
 * node agent): `kubectl apply -f examples/hostprocess.yaml`, `kubectl get pods --namespace
 * kube-system` showing the DaemonSet's pod 1/1 Running, and `kubectl logs` showing that the
 * process has admin rights. Then the Kubernetes page's examples: the `Local service` account, a
 * local group, and the volume-mount paths in both mount modes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

const EXAMPLES = join(import.meta.dirname, '../../examples');

/** The processes whose cgroup is the container's (its id names the cgroup). */
function inCgroupOf(containerId: string): number[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(containerId);
    } catch {
      return false;
    }
  }).map(Number);
}
const GROUP = 'hpc-localgroup';
const skip = rootSkip() || kubectlSkip('1.27') || kubectlSkip('1.33');

describe('the walkthrough against hostpod up', { skip, timeout: 300_000 }, () => {
  let dir: string;
  let up: UpProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostpod-walkthrough-'));
    up = await startUp(dir, 16500 + Math.floor(Math.random() * 400));
  });
  after(async () => {
    await up?.stop();
    await removeAllContainers(dir);
    try {
      execFileSync('groupdel', [GROUP], { stdio: 'ignore' });
    } catch {
      // not created
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a step and keeps the transcript, as a user would see it. */
  const transcript: string[] = [];
  async function step(k: Kubectl, ...args: string[]): Promise<string> {
    const result = await k(...args);
    transcript.push(`$ kubectl ${args.join(' ')}\n${result.stdout}${result.stderr}`);
    assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }

  for (const version of ['1.33', '1.27']) {
    test(`kubectl ${version}: apply, get pods, logs, verbatim`, async (t) => {
      const k = kubectl(version, up.kubeconfig);
      transcript.length = 0;
      const applied = await step(k, 'apply', '-f', join(EXAMPLES, 'hostprocess.yaml'));
      assert.equal(applied, 'daemonset.apps/privileged-daemonset created\n');
      const table = await eventually(async () => {
        const out = (await k('get', 'pods', '--namespace', 'kube-system')).stdout;
        return /^privileged-daemonset-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+/m.test(out) ? out : undefined;
      }, 30_000, 'the DaemonSet pod to be Running');
      transcript.push(`$ kubectl get pods --namespace kube-system\n${table}`);
      assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      const pod = /^(privileged-daemonset-[a-z0-9]{5})/m.exec(table)![1]!;
      const logs = await eventually(async () => {
        const out = (await k('logs', pod, '--namespace', 'kube-system')).stdout;
        return out.includes('Process has admin rights') ? out : undefined;
      }, 10_000, 'the log line');
      transcript.push(`$ kubectl logs ${pod} --namespace kube-system\n${logs}`);
      assert.equal(logs, 'Process has admin rights: True\n');

      const described = await step(k, 'describe', 'pod', pod, '--namespace', 'kube-system');
      for (const reason of ['Scheduled', 'Pulled', 'Created', 'Started']) assert.match(described, new RegExp(`Normal\\s+${reason}\\s`), `describe shows the ${reason} event`);
      const containerId = /Container ID:\s+hostpod:\/\/([0-9a-f]{64})/.exec(described)?.[1];
      assert.ok(containerId, described);
      // This container's own processes (another suite may run the same example at the same time).
      const workload = inCgroupOf(containerId);
      assert.ok(workload.length > 0, `no process in container ${containerId}'s cgroup`);

      await step(k, 'delete', '-f', join(EXAMPLES, 'hostprocess.yaml'));
      await eventually(async () => ((await k('get', 'pods', '--namespace', 'kube-system', '-o', 'name')).stdout.trim() === '' ? true : undefined), 30_000, 'the pod to be gone');
      await eventually(() => (workload.some((pid) => existsSync(`/proc/${pid}`)) ? undefined : true), 10_000, 'the workload to be stopped');
      t.diagnostic(transcript.join('\n'));
    });
  }

  test('the Kubernetes page: Local service, a local group, volume mounts in bind and sandbox mode', async () => {
    const k = kubectl('1.33', up.kubeconfig);
    execFileSync('groupadd', ['--force', GROUP]);
    const hostDir = join(dir, 'host-data');
    execFileSync('mkdir', ['-p', hostDir]);
    writeFileSync(join(hostDir, 'greeting'), 'hello from the host\n');
    const pod = (name: string, account: string, command: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: 'default', ...extra },
      spec: {
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: account } },
        hostNetwork: true,
        terminationGracePeriodSeconds: 1,
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        volumes: [{ name: 'data', hostPath: { path: hostDir, type: 'Directory' } }],
        containers: [{
          name: 'test', image: 'localhost/hostprocess-base:latest',
          command: ['/bin/sh', '-c', `${command}; sleep 600`],
          volumeMounts: [{ name: 'data', mountPath: '/etc/hp-data' }],
        }],
      },
    });
    const manifest = join(dir, 'page.yaml');
    const mounts = 'cat "$CONTAINER_SANDBOX_MOUNT_POINT/etc/hp-data/greeting"; cat /etc/hp-data/greeting 2>&1 || echo "no /etc/hp-data"; cat "$CONTAINER_SANDBOX_MOUNT_POINT/var/run/secrets/kubernetes.io/serviceaccount/namespace"; echo';
    writeFileSync(manifest, [
      readExample('hostprocess-pod.yaml'),
      JSON.stringify(pod('group-pod', GROUP, 'id -gn; id -un')),
      JSON.stringify(pod('bind-mounts', 'NT AUTHORITY\\SYSTEM', mounts)),
      JSON.stringify(pod('sandbox-mounts', 'NT AUTHORITY\\SYSTEM', mounts, { annotations: { 'hostpod.io/mount-mode': 'sandbox' } })),
    ].join('\n---\n'));
    await step(k, 'apply', '-f', manifest);
    await eventually(async () => {
      const out = (await k('get', 'pods', '--no-headers')).stdout;
      return ['hostprocess-pod', 'group-pod', 'bind-mounts', 'sandbox-mounts'].every((n) => new RegExp(`^${n}\\s+1/1\\s+Running`, 'm').test(out)) ? out : undefined;
    }, 30_000, 'the four pods to be Running');

    const whoami = await step(k, 'exec', 'hostprocess-pod', '--', 'id', '-un');
    assert.equal(whoami, 'hostpod-localservice\n', 'Local service runs as its dedicated system user');
    const ping = await eventually(async () => {
      const out = (await k('logs', 'hostprocess-pod', '--tail=1')).stdout;
      return out.includes('bytes from 127.0.0.1') ? out : undefined;
    }, 10_000, 'ping output');
    assert.match(ping, /bytes from 127\.0\.0\.1/);

    const [group, user] = (await eventually(async () => {
      const out = (await k('logs', 'group-pod')).stdout;
      return out.split('\n').length >= 3 ? out : undefined;
    }, 10_000, 'the group pod output')).split('\n');
    assert.equal(group, GROUP, 'a local group runs as a temporary user in that group');
    assert.match(user!, /^hostpod-t[0-9a-f]+$/);

    const bind = await eventually(async () => ((await k('logs', 'bind-mounts')).stdout.includes('default') ? (await k('logs', 'bind-mounts')).stdout : undefined), 10_000, 'bind output');
    assert.equal(bind, 'hello from the host\nhello from the host\ndefault\n', 'bind mode: the volume at its mountPath and under the sandbox');
    const sandbox = await eventually(async () => ((await k('logs', 'sandbox-mounts')).stdout.includes('default') ? (await k('logs', 'sandbox-mounts')).stdout : undefined), 10_000, 'sandbox output');
    assert.match(sandbox, /^hello from the host\n.*(no \/etc\/hp-data|No such file)[^\n]*\n(no \/etc\/hp-data\n)?default\n$/s, 'sandbox mode: only under the sandbox');

    await step(k, 'delete', '-f', manifest, '--wait=true');
    assert.throws(() => execFileSync('getent', ['passwd', user!]), 'the temporary user is deleted with its container');
  });
});

function readExample(name: string): string {
  return execFileSync('cat', [join(EXAMPLES, name)], { encoding: 'utf8' });
}
