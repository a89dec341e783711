/**
 * A workload that leaves some of its cgroups (moves a process out of one v1 hierarchy's cgroup,
 * or into a child cgroup it made under its own): everything left in any of the container's
 * cgroups is killed, child cgroups are removed bottom-up, what had escaped is reported naming the
 * container, the process and the hierarchy, and neither deletion nor `hostpod ps` fails.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { api, eventually, startControlPlane } from '../support/controlplane.js';
import { runHostpod } from '../support/hostpod-cli.js';
import { startTestNode } from '../support/node-agent.js';
import { hostPod, removeCgroupDirs, rootSkip, shell, testRuntime } from '../support/runtime.js';
import { processAlive, uniqueSleep } from '../support/processes.js';

const skip = rootSkip();


interface Hierarchy {
  version: 'v1' | 'v2';
  mount?: string;
  /** The workload's script (`$$$$` is the shell's `$$` once Kubernetes' `$$` escape is expanded): escapes, writing the pids of the processes that left to <dir>/<name>.pid. */
  script(dir: string, sleeps: string[]): string;
  /** The processes expected to be reported, by pid file name, with the hierarchy they left. */
  escapes: { name: string; left: string }[];
}

const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
const hierarchies: Hierarchy[] = [];
if (/ - cgroup /.test(mounts)) {
  hierarchies.push({
    version: 'v1',
    script: (dir, [nested, leftPids, leftMemory]) => [
      'pids=/sys/fs/cgroup/pids$(sed -n "s/^[0-9]*:pids://p" /proc/self/cgroup)',
      'mkdir "$pids/nested" "$pids/nested/deeper"',
      `sh -c 'echo $$$$ > "$0/nested/deeper/cgroup.procs"; exec ${nested}' "$pids" &`,
      `sh -c 'echo $$$$ > ${dir}/pids.pid; echo $$$$ > /sys/fs/cgroup/pids/cgroup.procs; exec ${leftPids}' &`,
      `sh -c 'echo $$$$ > ${dir}/memory.pid; echo $$$$ > /sys/fs/cgroup/memory/cgroup.procs; exec ${leftMemory}' &`,
    ].join('\n'),
    escapes: [{ name: 'pids', left: 'pids' }, { name: 'memory', left: 'memory' }],
  });
}
if (/ - cgroup2 /.test(mounts)) {
  const mount = / \/sys\/fs\/cgroup - cgroup2 /.test(mounts) ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
  hierarchies.push({
    version: 'v2',
    mount,
    script: (_dir, [nested]) => [
      `cg=${mount}$(sed -n "s/^0:://p" /proc/self/cgroup)`,
      'mkdir "$cg/nested" "$cg/nested/deeper"',
      `sh -c 'echo $$$$ > "$0/nested/deeper/cgroup.procs"; exec ${nested}' "$cg" &`,
    ].join('\n'),
    escapes: [],
  });
}

describe('a workload that leaves some of its cgroups', { skip, timeout: 120_000 }, () => {
  for (const h of hierarchies) {
    test(`cgroup ${h.version}: a stop kills what is left in every hierarchy and nested cgroup, removes them, and reports the escapes`, async () => {
      const root = `hostpod-escape-stop-${process.pid}`;
      const t = await testRuntime({ ...(h.version === 'v2' ? { pidsLimit: 0 } : {}), cgroup: { version: h.version, mount: h.mount, root } });
      try {
        const sleeps = [uniqueSleep(), uniqueSleep(), uniqueSleep()];
        const ready = join(t.dataDir, 'ready');
        const pod = hostPod([shell(`${h.script(t.dataDir, sleeps)}\nsleep 0.3; touch ${ready}; wait`)], { terminationGracePeriodSeconds: 0 });
        const stop = new AbortController();
        const running = t.run(pod, { signal: stop.signal });
        while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
        const id = t.runtime.list()[0]?.id ?? '';
        const record = t.runtime.containers.record(id);
        stop.abort();
        const result = await running;
        for (const marker of sleeps) assert.equal(processAlive(marker), false, `${marker} is killed`);
        for (const dir of record.cgroup.dirs) assert.equal(existsSync(dir), false, `${dir} is removed, nested cgroups and all`);
        const warnings = result.containers[0]?.status.warnings ?? [];
        for (const escape of h.escapes) {
          const pid = readFileSync(join(t.dataDir, `${escape.name}.pid`), 'utf8').trim();
          assert.ok(warnings.some((w) => w.includes(id.slice(0, 12)) && w.includes(`process ${pid} `) && w.includes(`${escape.left} cgroup`)), `a warning names process ${pid} and ${escape.left}: ${JSON.stringify(warnings)}`);
        }
        assert.equal(warnings.length, h.escapes.length, JSON.stringify(warnings));
      } finally {
        await t.close();
        removeCgroupDirs(root);
      }
    });

    test(`cgroup ${h.version}: hostpod ps re-adopts a container whose workload left some cgroups, and warns`, async () => {
      const root = `hostpod-escape-${process.pid}`;
      const t = await testRuntime({ ...(h.version === 'v2' ? { pidsLimit: 0 } : {}), cgroup: { version: h.version, mount: h.mount, root } });
      try {
        const sleeps = [uniqueSleep(), uniqueSleep(), uniqueSleep()];
        // Init ends on its own; what it left is killed by its monitor, nobody waits for the container.
        const pod = hostPod([shell(`${h.script(t.dataDir, sleeps)}\nsleep 0.3`)], { terminationGracePeriodSeconds: 0 });
        const record = t.runtime.containers.record((await t.runtime.start({ pod, container: pod.spec!.containers[0]!, init: false, restartCount: 0, podDir: join(t.dataDir, 'pods', 'p'), mountMode: 'bind' })).id);
        while (t.runtime.containers.exit(record.id) === undefined) await new Promise((r) => setTimeout(r, 20));
        const config = join(t.dataDir, 'config.yaml');
        writeFileSync(config, stringify({ runtime: { ...(h.version === 'v2' ? { pidsLimit: 0 } : {}), cgroup: { version: h.version, ...(h.mount ? { mount: h.mount } : {}), root: t.runtime.settings.cgroup.root } } }));
        const ps = await runHostpod(['ps', '-o', 'json', '--data-dir', t.dataDir, '--config', config]);
        assert.equal(ps.code, 0, ps.stderr);
        const rows = JSON.parse(ps.stdout) as { id: string; state: string; reason: string }[];
        assert.deepEqual(rows.map((r) => [r.id, r.state, r.reason]), [[record.id, 'exited', 'Completed']]);
        for (const marker of sleeps) assert.equal(processAlive(marker), false, `${marker} is killed`);
        for (const dir of record.cgroup.dirs) assert.equal(existsSync(dir), false, `${dir} is removed`);
        for (const escape of h.escapes) {
          const pid = readFileSync(join(t.dataDir, `${escape.name}.pid`), 'utf8').trim();
          assert.match(ps.stderr, new RegExp(`warning: container ${record.id.slice(0, 12)} .*process ${pid} .*${escape.left} cgroup`));
        }
      } finally {
        await t.close();
        removeCgroupDirs(root);
      }
    });
  }

  const v1 = hierarchies.find((h) => h.version === 'v1');
  test('the node agent: deleting the pod finishes, and a ContainmentFailed event names the escaped processes', { skip: v1 ? false : 'no cgroup v1 hierarchy on this host' }, async () => {
    if (!v1) return;
    const plane = await startControlPlane();
    const t = await testRuntime();
    const node = await startTestNode(plane, t.runtime);
    try {
      const sleeps = [uniqueSleep(), uniqueSleep(), uniqueSleep()];
      const ready = join(t.dataDir, 'ready');
      const pod = hostPod([shell(`${v1.script(t.dataDir, sleeps)}\nsleep 0.3; touch ${ready}; wait`)], { terminationGracePeriodSeconds: 0 }, 'escaper');
      delete pod.metadata!.uid;
      await node.createPod(pod);
      await eventually(() => (existsSync(ready) ? true : undefined), 30_000, 'the workload to escape');
      assert.equal((await api(plane.plane, 'DELETE', '/api/v1/namespaces/default/pods/escaper')).status, 200);
      await eventually(async () => ((await api(plane.plane, 'GET', '/api/v1/namespaces/default/pods/escaper')).status === 404 ? true : undefined), 30_000, `the pod to be deleted (agent log: ${node.logs.join('\n')})`);
      // The escaped processes get SIGKILL before the pod's final delete; their end follows within moments
      // (each is an hour's sleep: nothing but hostpod ends it before the test's own clean-up).
      for (const marker of sleeps) await eventually(() => (processAlive(marker) ? undefined : true), 10_000, `${marker} to be killed (agent log: ${node.logs.join('\n')})`);
      const pid = readFileSync(join(t.dataDir, 'memory.pid'), 'utf8').trim();
      const events = await eventually(async () => {
        const list = (await api(plane.plane, 'GET', '/api/v1/namespaces/default/events')).json() as { items: { reason: string; type: string; message: string }[] };
        const found = list.items.filter((e) => e.reason === 'ContainmentFailed');
        return found.length >= 2 ? found : undefined;
      }, 10_000, 'the ContainmentFailed events');
      assert.ok(events.every((e) => e.type === 'Warning'));
      assert.ok(events.some((e) => e.message.includes(`process ${pid} `) && e.message.includes('memory cgroup')), JSON.stringify(events));
    } finally {
      // Each step runs even when one before it fails: a control plane left running keeps the test process alive.
      try {
        await node.stop();
        await t.close();
      } finally {
        await plane.stop();
      }
    }
  });
});
