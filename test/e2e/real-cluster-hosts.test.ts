/**
 * Three hostpod nodes of a real cluster (issue 15): three "hosts", each a network namespace with
 * its own address on a bridge, each running `hostpod agent` with its own data directory, cgroup
 * subtree and node name on the kubelet's port 10250, joined by TLS bootstrapping to a real
 * kube-apiserver, controller manager and scheduler. Driven by the real kubectl: the seeds'
 * walkthrough, logs -f and exec -it through the API server's proxy, node loss and re-adoption,
 * cordon, drain and delete, and the taint that keeps ordinary pods off hostpod nodes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { createHosts, type Host, type HostNetwork } from '../support/hosts.js';
import { componentVersions, realClusterSkip } from '../support/kube-binaries.js';
import { startRealCluster, type RealCluster } from '../support/real-cluster.js';
import { joinRealNode, type RealNode } from '../support/real-node.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || realClusterSkip() || kubectlSkip('1.33');
const EXAMPLE = join(import.meta.dirname, '../../examples/hostprocess.yaml');
const NAMES = ['host-a', 'host-b', 'host-c'] as const;
const TOLERATION = { key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' };
/** The walkthrough's command line, which identifies its container processes on the machine. */
const WALKTHROUGH_SLEEP = 'sleep 2147483';

interface PodRow {
  name: string;
  node: string;
  ready: string;
  status: string;
  restarts: number;
}

/** Denials in an agent's log: the agent must stay within the Node authorizer and NodeRestriction. */
function assertNoDenials(nodes: readonly RealNode[]): void {
  for (const node of nodes) {
    const denied = node.output().split('\n').filter((line) => /forbidden|\b403\b/i.test(line));
    assert.deepEqual(denied, [], `node ${node.name} was refused a request`);
  }
}

/** The pids of processes whose command line is `command`, in `host`'s network namespace. */
function processesOn(host: Host, command: string): number[] {
  const netns = statSync(`/var/run/netns/${host.netns}`).ino;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      if (cmdline !== command) continue;
      if (readlinkSync(`/proc/${entry}/ns/net`) === `net:[${netns}]`) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('three hostpod nodes in a real cluster', { skip, timeout: 900_000 }, () => {
  let network: HostNetwork;
  let cluster: RealCluster;
  const nodes = new Map<string, RealNode>();
  let k: Kubectl;
  const base = mkdtempSync(join(tmpdir(), 'hostpod-real-hosts-'));
  const host = (name: string): Host => network.hosts.find((h) => h.name === name)!;
  const node = (name: string): RealNode => nodes.get(name)!;
  const pods = async (selector: string, namespace = 'kube-system'): Promise<PodRow[]> => {
    const out = await k('get', 'pods', '-n', namespace, '-l', selector, '-o', 'json');
    const list = JSON.parse(out.stdout) as { items: { metadata: { name: string }; spec: { nodeName?: string }; status: { phase?: string; containerStatuses?: { ready: boolean; restartCount: number }[] } }[] };
    return list.items.map((p) => ({
      name: p.metadata.name,
      node: p.spec.nodeName ?? '',
      ready: `${(p.status.containerStatuses ?? []).filter((c) => c.ready).length}/${(p.status.containerStatuses ?? []).length}`,
      status: p.status.phase ?? '',
      restarts: (p.status.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
    }));
  };
  type NodeJson = { spec: { taints?: { key: string; effect: string }[]; unschedulable?: boolean }; status: { conditions: { type: string; status: string; reason: string }[] } };
  const nodeJson = async (name: string): Promise<NodeJson> => JSON.parse((await k('get', 'node', name, '-o', 'json')).stdout) as NodeJson;
  const ready = async (name: string): Promise<string | undefined> => (await nodeJson(name)).status.conditions.find((c) => c.type === 'Ready')?.status;
  const apply = async (object: unknown): Promise<void> => {
    const file = join(base, `object-${Date.now()}-${Math.random()}.json`);
    writeFileSync(file, JSON.stringify(object));
    const applied = await k('apply', '-f', file);
    assert.equal(applied.code, 0, applied.stderr);
  };
  const print = (title: string, text: string): void => {
    process.stdout.write(`# ${title}\n${text.trimEnd().split('\n').map((l) => `#   ${l}`).join('\n')}\n`);
  };

  before(async () => {
    process.stdout.write(`# ${componentVersions().split('\n').join('\n# ')}\n`);
    network = createHosts(NAMES);
    // A short grace period so that node loss shows in seconds; the kubelet's Lease is renewed every 10 s.
    cluster = await startRealCluster({ address: network.gateway, nodeMonitorGracePeriod: '20s' });
    await Promise.all(network.hosts.map(async (h) => {
      nodes.set(h.name, await joinRealNode(cluster, { name: h.name, dir: join(base, h.name), address: h.address, enter: network.enter(h) }));
    }));
    k = kubectl('1.33', cluster.kubeconfig);
  });
  after(async () => {
    await Promise.all([...nodes.values()].map((n) => n.remove()));
    await cluster?.stop();
    network?.remove();
    rmSync(base, { recursive: true, force: true });
  });

  test('the seeds\' walkthrough verbatim: one pod per node, all 1/1 Running, each logs admin rights', async () => {
    const nodesTable = await eventually(async () => {
      const out = await k('get', 'nodes', '-o', 'wide');
      return (out.stdout.match(/\sReady\s/g) ?? []).length === 3 ? out.stdout : undefined;
    }, 60_000, 'three Ready nodes');
    print('kubectl get nodes -o wide', nodesTable);
    for (const h of network.hosts) assert.match(nodesTable, new RegExp(`^${h.name}\\s+Ready\\s+<none>\\s+\\S+\\s+\\S+\\s+${h.address.replaceAll('.', '\\.')}\\s`, 'm'));

    const applied = await k('apply', '-f', EXAMPLE);
    assert.equal(applied.code, 0, applied.stderr);
    print('kubectl apply -f examples/hostprocess.yaml', applied.stdout);
    const table = await eventually(async () => {
      const out = await k('get', 'pods', '-n', 'kube-system', '-l', 'app=privileged-daemonset', '-o', 'wide');
      return (out.stdout.match(/\s1\/1\s+Running\s+0\s/g) ?? []).length === 3 ? out.stdout : undefined;
    }, 120_000, `three pods Running (${[...nodes.values()].map((n) => n.output()).join('\n')})`);
    print('kubectl get pods -n kube-system -l app=privileged-daemonset -o wide', table);
    const rows = await pods('app=privileged-daemonset');
    assert.deepEqual(rows.map((r) => r.node).sort(), [...NAMES], 'one pod on each node');
    for (const row of rows) {
      // A HostProcess pod's IP is its node's: each host's own address.
      assert.match(table, new RegExp(`^${row.name}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${host(row.node).address.replaceAll('.', '\\.')}\\s+${row.node}\\s`, 'm'));
      const logs = await eventually(async () => {
        const out = await k('logs', row.name, '-n', 'kube-system');
        return out.stdout.includes('Process has admin rights') ? out.stdout : undefined;
      }, 30_000, `the log of ${row.name}`);
      print(`kubectl logs ${row.name} -n kube-system`, logs);
      assert.equal(logs, 'Process has admin rights: True\n');
      // Each container runs on its own host: in that host's network namespace, on no other, and in
      // that node's cgroup subtree (three hostpod instances on one machine, none touching another's).
      const pids = processesOn(host(row.node), WALKTHROUGH_SLEEP);
      assert.equal(pids.length, 1, `the container of ${row.name} runs on ${row.node}`);
      const cgroups = readFileSync(`/proc/${pids[0]}/cgroup`, 'utf8').split('\n').filter((l) => /:(memory|pids)?:\//.test(l) && l.split(':')[2] !== '/');
      assert.ok(cgroups.length > 0 && cgroups.every((l) => l.split(':')[2]!.startsWith(`/hostpod-${row.node}/`)), `the cgroups of ${row.name}: ${cgroups.join(', ')}`);
    }
    assertNoDenials([...nodes.values()]);
  });

  test('kubectl logs -f and exec -it reach each node\'s kubelet endpoint through the API server', async () => {
    for (const name of NAMES) {
      await apply({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: `ticker-${name}`, namespace: 'default', labels: { app: 'ticker' } },
        spec: {
          nodeName: name, hostNetwork: true, tolerations: [TOLERATION], terminationGracePeriodSeconds: 1,
          securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
          containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', 'i=0; while true; do echo "tick $i on $(hostname -I)"; i=$((i+1)); sleep 0.5; done'] }],
        },
      });
    }
    for (const name of NAMES) {
      await eventually(async () => ((await k('get', 'pod', `ticker-${name}`, '--no-headers')).stdout.match(/1\/1\s+Running/) ? true : undefined), 60_000, `ticker-${name} Running`);
      // Follow: lines written after kubectl started arrive while it runs.
      const followed = await new Promise<string>((resolve, reject) => {
        const child = spawn(k.binary, [...k.baseArgs, 'logs', '-f', `ticker-${name}`], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        const timer = setTimeout(() => { child.kill(); reject(new Error(`logs -f of ticker-${name} gave ${out} ${err}`)); }, 30_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const ticks = [...out.matchAll(/^tick (\d+)/gm)].map((m) => Number(m[1]));
          if (ticks.length > 0 && Math.max(...ticks) - Math.min(...ticks) >= 6) {
            clearTimeout(timer);
            child.kill();
            resolve(out);
          }
        });
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      });
      assert.match(followed, new RegExp(`^tick \\d+ on ${host(name).address.replaceAll('.', '\\.')}\\s`, 'm'), 'the pod runs in its host\'s network');

      const command = [k.binary, ...k.baseArgs, 'exec', '-it', `ticker-${name}`, '--', 'sh', '-c', 'tty; stty size; hostname -I'].map((a) => `'${a}'`).join(' ');
      const tty = await new Promise<string>((resolve) => {
        const child = spawn('script', ['--quiet', '--return', '--command', `stty cols 120 rows 40; ${command}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.on('exit', () => resolve(out));
        setTimeout(() => child.stdin.end(), 3000);
      });
      assert.match(tty, /\/dev\/pts\/\d+\r?\n/, tty);
      assert.match(tty, /40 120/);
      assert.match(tty, new RegExp(`${host(name).address.replaceAll('.', '\\.')}`));
    }
    assert.equal((await k('delete', 'pods', '-l', 'app=ticker', '--wait=true', '--timeout=60s')).code, 0);
    assertNoDenials([...nodes.values()]);
  });

  test('an ordinary pod never lands on a hostpod node; bound there by name, it fails with the reason', async () => {
    await apply({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ordinary', namespace: 'default' },
      spec: { containers: [{ name: 'main', image: 'registry.example/app:1' }] },
    });
    const pending = await eventually(async () => {
      const out = await k('get', 'pod', 'ordinary', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}');
      return out.stdout.includes('untolerated taint') ? out.stdout : undefined;
    }, 30_000, 'the scheduler to leave the ordinary pod Pending');
    print('kubectl get pod ordinary: PodScheduled', pending);
    // kube-scheduler 1.36 names no taint here (older ones added {hostpod.io/hostprocess: true}).
    assert.match(pending, /^0\/3 nodes are available: 3 node\(s\) had untolerated taint(\(s\)\.| \{hostpod\.io\/hostprocess: true\})/);

    await apply({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ordinary-bound', namespace: 'default' },
      spec: { nodeName: 'host-a', tolerations: [TOLERATION], containers: [{ name: 'main', image: 'registry.example/app:1' }] },
    });
    const failed = await eventually(async () => {
      const out = await k('get', 'pod', 'ordinary-bound', '-o', 'jsonpath={.status.phase} {.status.reason}: {.status.message}');
      return out.stdout.startsWith('Failed') ? out.stdout : undefined;
    }, 30_000, 'the node to refuse the ordinary pod');
    print('kubectl get pod ordinary-bound: phase, reason, message', failed);
    assert.match(failed, /^Failed NotHostProcess: hostpod runs only HostProcess pods: set spec\.securityContext\.windowsOptions\.hostProcess: true/);
    assert.equal((await k('delete', 'pod', 'ordinary', 'ordinary-bound')).code, 0);
    assertNoDenials([...nodes.values()]);
  });

  test('node loss: kill -9 an agent; the real node lifecycle controller marks it NotReady and taints it; its containers run on; back, it re-adopts them', async () => {
    const lost = node('host-b');
    const before = await pods('app=privileged-daemonset');
    const pids = processesOn(host('host-b'), WALKTHROUGH_SLEEP);
    assert.equal(pids.length, 1);
    const timeline: string[] = [];
    const started = Date.now();
    const mark = (what: string): void => void timeline.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${what}`);
    const lease = async (): Promise<string> => (await k('get', 'lease', 'host-b', '-n', 'kube-node-lease', '-o', 'jsonpath={.spec.renewTime}')).stdout;
    await lost.kill();
    mark('kill -9 of the agent on host-b');
    const lastRenewal = await lease();
    mark(`(the Lease was last renewed ${((started - Date.parse(lastRenewal)) / 1000).toFixed(1)} s before the kill; grace period 20 s)`);
    await eventually(async () => ((await ready('host-b')) === 'Unknown' ? true : undefined), 90_000, 'host-b NotReady');
    mark('Node host-b Ready=Unknown (NotReady): "Kubelet stopped posting node status."');
    const taints = await eventually(async () => {
      const t = (await nodeJson('host-b')).spec.taints ?? [];
      return t.some((x) => x.key === 'node.kubernetes.io/unreachable' && x.effect === 'NoExecute') ? t : undefined;
    }, 30_000, 'the unreachable taint');
    mark(`taints: ${taints.map((t) => `${t.key}:${t.effect}`).join(', ')}`);
    assert.equal(await lease(), lastRenewal, 'the Lease is no longer renewed');
    const conditions = (await nodeJson('host-b')).status.conditions;
    assert.equal(conditions.find((c) => c.type === 'Ready')?.reason, 'NodeStatusUnknown');
    assert.deepEqual(processesOn(host('host-b'), WALKTHROUGH_SLEEP), pids, 'the container keeps running on its host');
    mark(`container pid ${pids[0]} still running on host-b`);
    for (const other of ['host-a', 'host-c']) assert.equal(await ready(other), 'True');

    await lost.restart();
    mark('agent on host-b started again');
    await eventually(async () => ((await ready('host-b')) === 'True' ? true : undefined), 60_000, 'host-b Ready again');
    mark('Node host-b Ready=True');
    await eventually(async () => (((await nodeJson('host-b')).spec.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/')) ? undefined : true), 30_000, 'the unreachable taints to go');
    mark('unreachable taints removed by the node lifecycle controller');
    assert.notEqual(await lease(), lastRenewal, 'the Lease is renewed again');
    assert.deepEqual(processesOn(host('host-b'), WALKTHROUGH_SLEEP), pids, 'the same container process: re-adopted, not restarted');
    const after = await eventually(async () => {
      const rows = await pods('app=privileged-daemonset');
      return rows.every((r) => r.ready === '1/1') ? rows : undefined;
    }, 30_000, 'all pods ready');
    assert.deepEqual(after, before, 'the same pods on the same nodes, none restarted');
    print('node loss timeline', timeline.join('\n'));
    assertNoDenials([...nodes.values()]);
  });

  test('kubectl cordon and drain --ignore-daemonsets behave as with kubelets', async () => {
    await apply({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'mover', namespace: 'default' },
      spec: {
        replicas: 1, selector: { matchLabels: { app: 'mover' } },
        template: {
          metadata: { labels: { app: 'mover' } },
          spec: {
            hostNetwork: true, tolerations: [TOLERATION], terminationGracePeriodSeconds: 5,
            securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
            containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done'] }],
          },
        },
      },
    });
    const first = await eventually(async () => (await pods('app=mover', 'default')).find((p) => p.ready === '1/1'), 60_000, 'the Deployment\'s pod Running');
    const target = first.node;
    const cordoned = await k('cordon', target);
    assert.equal(cordoned.code, 0, cordoned.stderr);
    assert.match((await k('get', 'node', target, '--no-headers')).stdout, /Ready,SchedulingDisabled/);
    assert.equal((await pods('app=mover', 'default'))[0]?.name, first.name, 'cordon moves nothing');

    const drained = await k('drain', target, '--ignore-daemonsets', '--timeout=90s');
    print(`kubectl drain ${target} --ignore-daemonsets`, `${drained.stdout}${drained.stderr}`);
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stderr + drained.stdout, new RegExp(`ignoring DaemonSet-managed Pods: kube-system/privileged-daemonset-\\w{5}`, 'i'));
    assert.match(drained.stdout, new RegExp(`pod/${first.name} evicted`));
    assert.match(drained.stdout, new RegExp(`node/${target} drained`));
    // The evicted pod is gone from its node, and its replacement runs elsewhere.
    const moved = await eventually(async () => {
      const rows = await pods('app=mover', 'default');
      return rows.length === 1 && rows[0]!.name !== first.name && rows[0]!.ready === '1/1' ? rows[0] : undefined;
    }, 60_000, 'the replacement Running');
    assert.notEqual(moved.node, target);
    assert.equal(processesOn(host(target), 'trap "exit 0" TERM; while true; do sleep 0.2; done').length, 0);
    // The DaemonSet's pod stays on the drained node.
    assert.ok((await pods('app=privileged-daemonset')).some((p) => p.node === target && p.ready === '1/1'));

    const uncordoned = await k('uncordon', target);
    assert.equal(uncordoned.code, 0, uncordoned.stderr);
    assert.match((await k('get', 'node', target, '--no-headers')).stdout, new RegExp(`^${target}\\s+Ready\\s`));
    assert.equal((await k('delete', 'deployment', 'mover', '--wait=true', '--timeout=60s')).code, 0);
    assertNoDenials([...nodes.values()]);
  });

  test('kubectl delete node: its pods are garbage-collected and their containers stopped; the agent registers again when restarted', async () => {
    const gone = node('host-c');
    const daemonPod = (await pods('app=privileged-daemonset')).find((p) => p.node === 'host-c')!;
    const deleted = await k('delete', 'node', 'host-c');
    assert.equal(deleted.code, 0, deleted.stderr);
    // The pod GC controller deletes pods bound to a node that no longer exists (after its quarantine).
    await eventually(async () => ((await k('get', 'pod', daemonPod.name, '-n', 'kube-system')).code !== 0 ? true : undefined), 120_000, 'the orphaned pod to be deleted');
    await eventually(() => (processesOn(host('host-c'), WALKTHROUGH_SLEEP).length === 0 ? true : undefined), 30_000, 'the container on the deleted node to stop');
    assert.equal((await k('get', 'node', 'host-c')).code, 1, 'a running agent does not bring a deleted Node back');
    await gone.stop();
    await gone.restart();
    await eventually(async () => ((await ready('host-c')) === 'True' ? true : undefined), 60_000, 'host-c registered again');
    await eventually(async () => ((await pods('app=privileged-daemonset')).filter((p) => p.ready === '1/1').length === 3 ? true : undefined), 60_000, 'the DaemonSet back on three nodes');
    // Ready comes when the container starts; its shell starts the sleep a moment later.
    await eventually(() => (processesOn(host('host-c'), WALKTHROUGH_SLEEP).length === 1 ? true : undefined), 30_000, 'the DaemonSet\'s workload running on host-c again');
    assertNoDenials([...nodes.values()]);
  });

  test('removing the nodes and the hosts leaves no container process, mount, cgroup or network namespace', async () => {
    await Promise.all([...nodes.values()].map((n) => n.remove()));
    for (const h of network.hosts) assert.deepEqual(processesOn(h, WALKTHROUGH_SLEEP), [], `no container left on ${h.name}`);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(base));
    assert.deepEqual(mounts, []);
    for (const name of NAMES) {
      for (const hierarchy of ['memory', 'cpu', 'pids', 'freezer', 'unified', '']) {
        assert.ok(!existsSync(join('/sys/fs/cgroup', hierarchy, `hostpod-${name}`)), `cgroup ${hierarchy}/hostpod-${name} removed`);
      }
    }
    const netns = network.hosts.map((h) => h.netns);
    network.remove();
    for (const ns of netns) assert.ok(!existsSync(`/var/run/netns/${ns}`), `network namespace ${ns} removed`);
  });
});
