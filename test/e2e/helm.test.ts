/**
 * Helm against `hostpod up` (issue 18): the real Helm 4 installs, upgrades, rolls back and
 * uninstalls examples/helm/hostprocess-agent (a HostProcess DaemonSet with its ServiceAccount,
 * ClusterRole and ClusterRoleBinding, a ConfigMap and a Service), once with Helm 4's default
 * server-side apply and once client-side (--server-side=false, Helm 3's way). Each command runs
 * against the real control plane (kube-apiserver 1.36) too, and what Helm prints must be the same
 * on both, times aside. On hostpod up the agent really runs on the node, and an upgrade of its
 * configuration rolls it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectlDir, kubectlSkip } from '../support/controlplane.js';
import { helm, helmSkip, type HelmRun } from '../support/helm.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { freePort, startRealCluster, type RealCluster } from '../support/real-cluster.js';
import { rootSkip } from '../support/runtime.js';

const CHART = join(import.meta.dirname, '..', '..', 'examples', 'helm', 'hostprocess-agent');
const NS = 'agents';
const skip = rootSkip() || realClusterSkip() || kubectlSkip('1.33') || helmSkip();

/**
 * What may differ: Helm's dates (`Sat Dec  5 11:02:33 2026`, `2026-12-05 11:42:18.621201914 +0000 UTC`); and in `helm status`'s RESOURCES,
 * the order of the kinds (Helm prints them in Go's random map order), the allocated cluster IP,
 * creation times and ages, column widths, and what only a node changes (the real control plane has none, so
 * its DaemonSet's counts are 0 and it has no pods).
 */
function normalize(run: HelmRun): HelmRun {
  const times = (text: string): string => text.replace(/\b[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\b/g, '<time>')
    .replace(/\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \+0000 UTC\b/g, '<time>');
  // Helm pads its tables' columns to their widest cell, and a time's width varies (Go drops trailing zeros).
  const padding = (text: string): string => text.replace(/ +\t/g, '\t').replace(/ +\n/g, '\n');
  return { code: run.code, stdout: padding(resources(times(run.stdout))), stderr: times(run.stderr) };
}

function resources(text: string): string {
  const match = /\nRESOURCES:\n([\s\S]*?)\n\n\n/.exec(text);
  if (!match) return text;
  const sections = match[1]!.split('\n\n').map((section) => {
    const [header = '', ...rows] = section.split('\n');
    if (header === '==> v1/Pod(related)') return header;
    const cells = rows.map((row) => row.replace(/\s+/g, ' ').trim()
      .replace(/\b\d{1,3}(\.\d{1,3}){3}\b/g, '<ip>')
      .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b/g, '<time>')
      .replace(/ \d+s$/, ' <age>')
      .replace(header === '==> v1/DaemonSet' ? /^(\S+)( \d+){5} / : /^$/, '$1 <counts> '));
    return [header, ...cells].join('\n');
  }).sort();
  return text.replace(match[1]!, sections.join('\n\n'));
}

describe('helm', { skip, timeout: 900_000 }, () => {
  let real: RealCluster | undefined;
  let up: UpProcess | undefined;
  let dataDir: string;
  let home: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hostpod-helm-up-'));
    home = mkdtempSync(join(tmpdir(), 'hostpod-helm-home-'));
    const [realStart, upStart] = await Promise.allSettled([startRealCluster(), freePort().then((port) => startUp(dataDir, port))]);
    if (realStart.status === 'fulfilled') real = realStart.value;
    if (upStart.status === 'fulfilled') up = upStart.value;
    if (!real || !up) throw [realStart, upStart].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))[0]!;
  });
  after(async () => {
    // Whatever a failed test left installed goes with the control planes; the node's containers with hostpod up.
    await Promise.all([real?.stop(), up?.stop()]);
    await removeAllContainers(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  const kubectl = (kubeconfig: string, args: readonly string[]): Promise<HelmRun> => new Promise((resolve) => {
    execFile(join(kubectlDir()!, 'kubectl.1.33'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });

  /** Runs helm on both; what each printed, normalized, must be the same, and it must succeed. */
  async function both(args: readonly string[]): Promise<HelmRun> {
    const [onReal, onHostpod] = await Promise.all([helm(join(home, 'real'), real!.kubeconfig, args), helm(join(home, 'hostpod'), up!.kubeconfig, args)]);
    assert.deepEqual(normalize(onHostpod), normalize(onReal), `helm ${args.join(' ')}: hostpod up (actual) and kube-apiserver (expected) differ`);
    assert.equal(onHostpod.code, 0, `helm ${args.join(' ')}: ${onHostpod.stderr}`);
    return onHostpod;
  }

  /** A kubectl read on both; the same output on both. */
  async function sameRead(args: readonly string[]): Promise<string> {
    const [onReal, onHostpod] = await Promise.all([kubectl(real!.kubeconfig, args), kubectl(up!.kubeconfig, args)]);
    assert.deepEqual(onHostpod, onReal, `kubectl ${args.join(' ')}: hostpod up (actual) and kube-apiserver (expected) differ`);
    return onHostpod.stdout;
  }

  /** The agent's log on hostpod's node, once a running agent pod logged `expected`. */
  async function agentLogs(release: string, expected: string): Promise<void> {
    await eventually(async () => {
      const run = await kubectl(up!.kubeconfig, ['logs', '-n', NS, `daemonset/${release}`]);
      return run.code === 0 && run.stdout.includes(expected) ? true : undefined;
    }, 120_000, `the ${release} agent's log to say "${expected}"`);
  }

  for (const mode of [{ name: 'server-side apply (Helm 4 default)', release: 'agent', flags: [], port: '9309' }, { name: 'client-side apply', release: 'agent-csa', flags: ['--server-side=false'], port: '9310' }]) {
    test(`helm installs, upgrades, rolls back and uninstalls the HostProcess agent chart with ${mode.name}`, async () => {
      const { release } = mode;
      const selected = ['-n', NS, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name'];
      const install = await both(['install', release, CHART, '-n', NS, '--create-namespace', '--set', `metricsPort=${mode.port}`, ...mode.flags]);
      assert.match(install.stdout, /STATUS: deployed\nREVISION: 1\n/);
      await both(['status', release, '-n', NS]);
      const objects = await sameRead(['get', 'serviceaccounts,configmaps,services,daemonsets', ...selected]);
      assert.equal(objects.trim().split('\n').length, 4, objects);
      const clusterObjects = await sameRead(['get', 'clusterroles,clusterrolebindings', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']);
      assert.equal(clusterObjects.trim().split('\n').length, 2, clusterObjects);
      await agentLogs(release, 'agent starting at info');

      await both(['upgrade', release, CHART, '-n', NS, '--set', `metricsPort=${mode.port}`, '--set', 'logLevel=debug', ...mode.flags]);
      assert.equal(await sameRead(['get', 'configmap', `${release}-config`, '-n', NS, '-o', 'jsonpath={.data.log-level}']), 'debug');
      // The configuration's checksum is in the pod template: the agent is rolled and reads the new level.
      await agentLogs(release, 'agent starting at debug');

      await both(['rollback', release, '1', '-n', NS]);
      assert.equal(await sameRead(['get', 'configmap', `${release}-config`, '-n', NS, '-o', 'jsonpath={.data.log-level}']), 'info');
      const history = await both(['history', release, '-n', NS]);
      assert.deepEqual(history.stdout.trim().split('\n').slice(1).map((line) => line.split('\t').map((c) => c.trim()).filter((c, i) => i !== 1)), [
        ['1', 'superseded', 'hostprocess-agent-0.1.0', '1.0.0', 'Install complete'],
        ['2', 'superseded', 'hostprocess-agent-0.1.0', '1.0.0', 'Upgrade complete'],
        ['3', 'deployed', 'hostprocess-agent-0.1.0', '1.0.0', 'Rollback to 1'],
      ]);
      await both(['list', '-n', NS]);
      await agentLogs(release, 'agent starting at info');

      await both(['uninstall', release, '-n', NS]);
      await eventually(async () => {
        const runs = await Promise.all([real!.kubeconfig, up!.kubeconfig].map((k) => kubectl(k, ['get', 'serviceaccounts,configmaps,services,daemonsets', ...selected])));
        return runs.every((r) => r.code === 0 && r.stdout === '') ? true : undefined;
      }, 30_000, 'the release\'s objects to go on both');
      assert.equal(await sameRead(['get', 'clusterroles,clusterrolebindings', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']), '');
      assert.equal((await both(['list', '-n', NS, '-q'])).stdout, '');
    });
  }
});
