/**
 * `hostpod up`'s control plane driven by the real kubectl, oldest and newest supported versions.
 * Each version works in its own namespace on one shared control plane, with a stand-in for the
 * node agent (through the API only) so that DaemonSets roll out.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, eventually, kubectl, kubectlDir, kubectlSkip, startControlPlane, type Kubectl, type StartedPlane } from '../support/controlplane.js';
import { registerNode, runStandIn, type StandIn } from '../support/kubelet-stand-in.js';

const VERSIONS = ['1.27', '1.33'];

let started: StartedPlane;
let standIn: StandIn;
before(async () => {
  started = await startControlPlane();
  await registerNode(started.plane, 'node-a');
  standIn = runStandIn(started.plane, 'node-a');
});
after(async () => {
  standIn.stop();
  await started.stop();
});

function daemonSet(ns: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: ns, labels: { app: 'agent' } },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: {
          hostNetwork: true,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
          containers: [{ name: 'main', image, command: ['/bin/sh', '-c', 'sleep 3600'] }],
        },
      },
    },
  });
}

for (const version of VERSIONS) {
  describe(`kubectl ${version}`, { skip: kubectlSkip(version), timeout: 180_000 }, () => {
    const ns = `e2e-${version.replace('.', '-')}`;
    let k: Kubectl;
    let manifest: string;
    before(() => {
      k = kubectl(version, started.kubeconfig);
      manifest = join(started.dir, `ds-${version}.json`);
    });

    test('version and api-resources', async () => {
      const v = await k('version', '-o', 'json');
      assert.equal(v.code, 0, v.stderr);
      assert.match((JSON.parse(v.stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion, /^v1\.\d+\.\d+\+hostpod/);
      const resources = await k('api-resources');
      assert.equal(resources.code, 0, resources.stderr);
      assert.match(resources.stdout, /^daemonsets\s+ds\s+apps\/v1\s+true\s+DaemonSet$/m);
      assert.match(resources.stdout, /^pods\s+po\s+v1\s+true\s+Pod$/m);
      assert.match(resources.stdout, /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
    });

    test('create namespace, serviceaccount, configmap and secret', async () => {
      for (const args of [['namespace', ns], ['serviceaccount', 'robot', '-n', ns], ['configmap', 'settings', '--from-literal=mode=fast', '-n', ns],
        ['secret', 'generic', 'creds', '--from-literal=password=s3cret', '-n', ns]]) {
        const r = await k('create', ...args);
        assert.equal(r.code, 0, `create ${args.join(' ')}: ${r.stderr}`);
      }
      const cm = JSON.parse((await k('get', 'configmap', 'settings', '-n', ns, '-o', 'json')).stdout) as { data: Record<string, string> };
      assert.deepEqual(cm.data, { mode: 'fast' });
      const secret = JSON.parse((await k('get', 'secret', 'creds', '-n', ns, '-o', 'json')).stdout) as { type: string; data: Record<string, string> };
      assert.equal(secret.type, 'Opaque');
      assert.equal(Buffer.from(secret.data['password']!, 'base64').toString(), 's3cret');
      // The namespace controller gave the new namespace its default service account.
      await eventually(async () => ((await k('get', 'serviceaccount', 'default', '-n', ns)).code === 0 ? true : undefined), 5000, 'default service account');
      const list = await k('get', 'sa', '-n', ns);
      assert.match(list.stdout, /^NAME\s+AGE$/m);
      assert.match(list.stdout, /^robot\s+\d+s$/m);
    });

    test('apply creates, re-applies unchanged, and a modified template rolls out', async () => {
      writeFileSync(manifest, daemonSet(ns, 'localhost/hostprocess-base:latest'));
      const created = await k('apply', '-f', manifest);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout.trim(), 'daemonset.apps/agent created');
      const again = await k('apply', '-f', manifest);
      assert.equal(again.stdout.trim(), 'daemonset.apps/agent unchanged', again.stderr);
      const first = await k('rollout', 'status', 'daemonset/agent', '-n', ns, '--timeout=60s');
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /daemon set "agent" successfully rolled out/);
      const before = JSON.parse((await k('get', 'pods', '-n', ns, '-l', 'app=agent', '-o', 'json')).stdout) as { items: { metadata: { name: string } }[] };
      assert.equal(before.items.length, 1);

      writeFileSync(manifest, daemonSet(ns, 'localhost/hostprocess-base:v2'));
      const modified = await k('apply', '-f', manifest);
      assert.equal(modified.stdout.trim(), 'daemonset.apps/agent configured', modified.stderr);
      const rolled = await k('rollout', 'status', 'daemonset/agent', '-n', ns, '--timeout=60s');
      assert.equal(rolled.code, 0, rolled.stderr);
      const pods = await eventually(async () => {
        const items = (JSON.parse((await k('get', 'pods', '-n', ns, '-l', 'app=agent', '-o', 'json')).stdout) as { items: { metadata: { name: string }; spec: { containers: { image: string }[] } }[] }).items;
        return items.length === 1 && items[0]!.spec.containers[0]!.image.endsWith(':v2') ? items : undefined;
      }, 20_000, 'the old pod to be replaced');
      assert.notEqual(pods[0]!.metadata.name, before.items[0]!.metadata.name);
      assert.match(pods[0]!.metadata.name, /^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      const ds = JSON.parse((await k('get', 'ds', 'agent', '-n', ns, '-o', 'json')).stdout) as { metadata: { generation: number }; status: Record<string, number> };
      assert.equal(ds.metadata.generation, 2);
      assert.equal(ds.status['observedGeneration'], 2);
      assert.equal(ds.status['updatedNumberScheduled'], 1);
      assert.equal(ds.status['numberAvailable'], 1);
    });

    test('get: table, wide, yaml, json, name, all namespaces, label selector', async () => {
      const table = await k('get', 'pods', '-n', ns);
      assert.match(table.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      assert.match(table.stdout, /^agent-\w{5}\s+1\/1\s+Running\s+0\s+\d+s$/m);
      const wide = await k('get', 'pods', '-n', ns, '-o', 'wide');
      assert.match(wide.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
      assert.match(wide.stdout, /127\.0\.0\.1\s+node-a\s+<none>\s+<none>$/m);
      const yaml = await k('get', 'ds', 'agent', '-n', ns, '-o', 'yaml');
      assert.match(yaml.stdout, /^kind: DaemonSet$/m);
      assert.match(yaml.stdout, /^ {4}type: RollingUpdate$/m);
      const name = await k('get', 'pods', '-n', ns, '-o', 'name');
      assert.match(name.stdout.trim(), /^pod\/agent-\w{5}$/);
      const all = await k('get', 'ds', '-A');
      assert.match(all.stdout, /^NAMESPACE\s+NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/m);
      assert.match(all.stdout, new RegExp(`^${ns}\\s+agent\\s+1\\s+1\\s+1\\s+1\\s+1\\s+kubernetes.io/os=linux\\s+\\d+s$`, 'm'));
      const none = await k('get', 'pods', '-n', ns, '-l', 'app=other');
      assert.equal(none.stdout, '');
      assert.match(none.stderr, new RegExp(`No resources found in ${ns} namespace`));
      const json = JSON.parse((await k('get', 'nodes', '-o', 'json')).stdout) as { kind: string; items: unknown[] };
      assert.equal(json.kind, 'List');
      assert.equal(json.items.length, 1);
    });

    test('get -w shows a new object and its changes', async () => {
      const { spawn } = await import('node:child_process');
      const watcher = spawn(join(kubectlDir()!, `kubectl.${version}`), [`--kubeconfig=${started.kubeconfig}`, 'get', 'configmaps', '-n', ns, '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      watcher.stdout.on('data', (c: Buffer) => (out += c.toString()));
      try {
        await eventually(() => (out.includes('settings') ? true : undefined), 10_000, 'the initial list');
        assert.equal((await k('create', 'configmap', 'watched', '--from-literal=a=b', '-n', ns)).code, 0);
        await eventually(() => (/^watched\s+1\s+\d+s$/m.test(out) ? true : undefined), 10_000, 'the watched configmap');
        assert.equal((await k('label', 'configmap', 'watched', 'seen=yes', '-n', ns)).code, 0);
        await eventually(() => ((out.match(/^watched\s/gm) ?? []).length >= 2 ? true : undefined), 10_000, 'the MODIFIED event');
      } finally {
        watcher.kill('SIGTERM');
      }
    });

    test('describe pod, daemonset, node and namespace', async () => {
      const pod = await k('describe', 'pod', '-n', ns, '-l', 'app=agent');
      assert.equal(pod.code, 0, pod.stderr);
      assert.match(pod.stdout, /^Node:\s+node-a\/127\.0\.0\.1$/m);
      assert.match(pod.stdout, /^Controlled By:\s+DaemonSet\/agent$/m);
      assert.match(pod.stdout, /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned .*to node-a/);
      const ds = await k('describe', 'daemonset', 'agent', '-n', ns);
      assert.match(ds.stdout, /^Desired Number of Nodes Scheduled: 1$/m);
      assert.match(ds.stdout, /SuccessfulCreate\s+\S+\s+daemonset-controller\s+Created pod: agent-\w{5}/);
      const node = await k('describe', 'node', 'node-a');
      assert.equal(node.code, 0, node.stderr);
      assert.match(node.stdout, new RegExp(`^\\s+${ns}\\s+agent-\\w{5}\\s`, 'm'));
      const namespace = await k('describe', 'namespace', ns);
      assert.equal(namespace.code, 0, namespace.stderr);
      assert.match(namespace.stdout, /^Status:\s+Active$/m);
      assert.match(namespace.stdout, new RegExp(`kubernetes.io/metadata.name=${ns}`));
    });

    test('label and annotate, and Pod Security labels govern admission', async () => {
      const hostProcessPod = join(started.dir, `pod-${version}.json`);
      writeFileSync(hostProcessPod, JSON.stringify({
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hpc', namespace: ns },
        spec: {
          hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\Local service' } },
          containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest' }],
        },
      }));
      assert.equal((await k('annotate', 'namespace', ns, 'owner=e2e')).code, 0);
      const warned = await k('label', 'namespace', ns, 'pod-security.kubernetes.io/warn=baseline');
      assert.equal(warned.code, 0, warned.stderr);
      const created = await k('apply', '-f', hostProcessPod);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stderr, /Warning: would violate PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\), hostProcess/);
      assert.equal((await k('delete', 'pod', 'hpc', '-n', ns, '--grace-period=0', '--force')).code, 0);

      // The DaemonSet's HostProcess pods are already there: a dry run previews them, the label warns.
      const preview = await k('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=baseline', '--dry-run=server');
      assert.equal(preview.code, 0, preview.stderr);
      assert.match(preview.stdout, /labeled \(server dry run\)/);
      const existing = new RegExp(`Warning: existing pods in namespace "${ns}" violate the new PodSecurity enforce level "baseline:latest"\nWarning: agent-[a-z0-9]{5}: host namespaces, hostProcess`);
      assert.match(preview.stderr, existing);
      const unlabeled = JSON.parse((await k('get', 'namespace', ns, '-o', 'json')).stdout) as { metadata: { labels: Record<string, string> } };
      assert.equal(unlabeled.metadata.labels['pod-security.kubernetes.io/enforce'], undefined);
      const labeled = await k('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=baseline');
      assert.equal(labeled.code, 0, labeled.stderr);
      assert.match(labeled.stderr, existing);
      const denied = await k('apply', '-f', hostProcessPod);
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /Error from server \(Forbidden\): error when creating ".*": pods "hpc" is forbidden: violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\), hostProcess \(pod must not set securityContext.windowsOptions.hostProcess=true\)/);
      const bad = await k('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=strictest', '--overwrite');
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /is invalid: metadata.labels\[pod-security.kubernetes.io\/enforce\]: Invalid value: "strictest"/);
      assert.equal((await k('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce-', 'pod-security.kubernetes.io/warn-')).code, 0);
      const shown = JSON.parse((await k('get', 'namespace', ns, '-o', 'json')).stdout) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
      assert.equal(shown.metadata.annotations['owner'], 'e2e');
      assert.equal(shown.metadata.labels['pod-security.kubernetes.io/enforce'], undefined);
    });

    test('create token: a service account reads what its RoleBinding grants, no more, and a pod-bound token dies with the pod', async () => {
      const token = await k('create', 'token', 'robot', '-n', ns);
      assert.equal(token.code, 0, token.stderr);
      const asRobot = (...args: string[]) => k(`--token=${token.stdout.trim()}`, ...args);
      const unbound = await asRobot('get', 'configmaps', '-n', ns);
      assert.equal(unbound.code, 1);
      assert.match(unbound.stderr, new RegExp(`configmaps is forbidden: User "system:serviceaccount:${ns}:robot" cannot list resource "configmaps" in API group "" in the namespace "${ns}"`));
      for (const account of ['robot', 'default']) {
        const granted = await k('create', 'rolebinding', `${account}-view`, '--clusterrole=view', `--serviceaccount=${ns}:${account}`, '-n', ns);
        assert.equal(granted.code, 0, granted.stderr);
      }
      assert.equal((await asRobot('get', 'configmaps', '-n', ns)).code, 0);
      const elsewhere = await asRobot('get', 'pods', '-n', 'kube-system');
      assert.equal(elsewhere.code, 1);
      assert.match(elsewhere.stderr, new RegExp(`pods is forbidden: User "system:serviceaccount:${ns}:robot" cannot list resource "pods" in API group "" in the namespace "kube-system"`));
      const write = await asRobot('create', 'configmap', 'intruder', '-n', 'default');
      assert.equal(write.code, 1);
      assert.match(write.stderr, /forbidden/);

      const pod = (JSON.parse((await k('get', 'pods', '-n', ns, '-l', 'app=agent', '-o', 'json')).stdout) as { items: { metadata: { name: string } }[] }).items[0]!.metadata.name;
      // The token of the account the pod runs as (default): kube-apiserver binds no other account's token to it.
      const bound = await k('create', 'token', 'default', '-n', ns, '--bound-object-kind=Pod', `--bound-object-name=${pod}`);
      assert.equal(bound.code, 0, bound.stderr);
      const asPod = (...args: string[]) => k(`--token=${bound.stdout.trim()}`, ...args);
      assert.equal((await asPod('get', 'configmaps', '-n', ns)).code, 0);
      assert.equal((await k('delete', 'pod', pod, '-n', ns)).code, 0);
      const rejected = await asPod('get', 'configmaps', '-n', ns);
      assert.equal(rejected.code, 1);
      assert.match(rejected.stderr, /You must be logged in to the server|Unauthorized|provide credentials/);
    });

    test('delete with --grace-period, and --cascade orphan and foreground', async () => {
      const orphaned = await k('delete', 'daemonset', 'agent', '-n', ns, '--cascade=orphan');
      assert.equal(orphaned.code, 0, orphaned.stderr);
      const left = await eventually(async () => {
        const items = (JSON.parse((await k('get', 'pods', '-n', ns, '-l', 'app=agent', '-o', 'json')).stdout) as { items: { metadata: { name: string; ownerReferences?: unknown[] } }[] }).items;
        return items.length === 1 && items[0]!.metadata.ownerReferences === undefined ? items : undefined;
      }, 10_000, 'the orphaned pod without its owner reference');
      const graceful = await k('delete', 'pod', left[0]!.metadata.name, '-n', ns, '--grace-period=5');
      assert.equal(graceful.code, 0, graceful.stderr);
      assert.match(graceful.stdout, /pod "agent-\w{5}" deleted/);

      writeFileSync(manifest, daemonSet(ns, 'localhost/hostprocess-base:latest'));
      assert.equal((await k('apply', '-f', manifest)).code, 0);
      assert.equal((await k('rollout', 'status', 'daemonset/agent', '-n', ns, '--timeout=60s')).code, 0);
      const foreground = await k('delete', 'daemonset', 'agent', '-n', ns, '--cascade=foreground');
      assert.equal(foreground.code, 0, foreground.stderr);
      const pods = await k('get', 'pods', '-n', ns, '-l', 'app=agent', '-o', 'name');
      assert.equal(pods.stdout.trim(), '', 'foreground deletion returns once the dependents are gone');
    });

    test('delete namespace removes its contents', async () => {
      const deleted = await k('delete', 'namespace', ns, '--timeout=60s');
      assert.equal(deleted.code, 0, deleted.stderr);
      const gone = await k('get', 'namespace', ns);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, new RegExp(`namespaces "${ns}" not found`));
      const leftovers = await api(started.plane, 'GET', `/api/v1/namespaces/${ns}/configmaps`);
      assert.deepEqual(leftovers.json()['items'], []);
    });
  });
}
