/**
 * `hostpod lint --server` end to end: the built command asks a live cluster for its verdict on
 * each object beside hostpod's own. One suite, run against the real control plane (kube-apiserver
 * 1.36) and against hostpod up's: namespaces labelled restricted and privileged, the examples'
 * HostProcess DaemonSet, a namespace that does not exist, a ValidatingAdmissionPolicy (real
 * cluster only: hostpod's control plane does not serve them), a user without permission, and a
 * server that does not answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import type { LintResult } from '../../src/lint/lint.js';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { loadKubeconfig } from '../../src/node/kube-client/kubeconfig.js';
import { runHostpod, type CliResult } from '../support/hostpod-cli.js';
import { startUp, type UpProcess } from '../support/hostpod-up.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { freePort, startRealCluster, type RealCluster } from '../support/real-cluster.js';

const EXAMPLE = join(import.meta.dirname, '../../examples/hostprocess.yaml');
const RESTRICTED = 'lint-restricted';
const PRIVILEGED = 'lint-privileged';
const POLICED = 'lint-policed';

interface LiveCluster {
  /** The admin's kubeconfig. */
  kubeconfig: string;
  stop(): Promise<void>;
}

interface ClusterUnderTest {
  name: string;
  skip: string | false;
  /** Whether it serves admissionregistration.k8s.io/v1 ValidatingAdmissionPolicies. */
  policies: boolean;
  start(dir: string): Promise<LiveCluster>;
}

const clusters: ClusterUnderTest[] = [
  {
    name: 'the real control plane',
    skip: realClusterSkip(),
    policies: true,
    async start() {
      const cluster: RealCluster = await startRealCluster();
      return { kubeconfig: cluster.kubeconfig, stop: () => cluster.stop() };
    },
  },
  {
    name: "hostpod up's control plane",
    skip: false,
    policies: false,
    async start(dir) {
      const up: UpProcess = await startUp(join(dir, 'data'), await freePort(), ['--no-node']);
      // Its kubeconfig as a user gets it.
      const printed = await runHostpod(['kubeconfig', '--data-dir', join(dir, 'data')]);
      assert.equal(printed.code, 0, printed.stderr);
      const kubeconfig = join(dir, 'hostpod-up.kubeconfig');
      writeFileSync(kubeconfig, printed.stdout);
      return { kubeconfig, stop: async () => void (await up.stop()) };
    },
  },
];

interface JsonReport {
  cluster?: { server: string; version: string; context: string; namespace: string };
  results: LintResult[];
}

for (const c of clusters) {
  describe(`hostpod lint --server against ${c.name}`, { skip: c.skip, timeout: 240_000 }, () => {
    let dir: string;
    let cluster: LiveCluster;
    let admin: KubeClient;

    /** One request as the admin; fails the test unless it succeeds. */
    const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
      const answer = await admin.exchange(method, path, body === undefined ? {} : { body });
      assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body as Record<string, unknown>;
    };
    const namespace = (name: string, labels: Record<string, string>): Promise<unknown> =>
      call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    const write = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    /** The examples' DaemonSet in `ns` (or with no namespace: null). */
    const daemonSet = (ns: string | null): string => {
      const example = readFileSync(EXAMPLE, 'utf8');
      assert.match(example, /^ {2}namespace: kube-system$/m);
      return write(`daemonset-${ns ?? 'none'}.yaml`, example.replace(/^ {2}namespace: kube-system\n/m, ns === null ? '' : `  namespace: ${ns}\n`));
    };
    const lint = (args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> =>
      runHostpod(['lint', '--server', '--kubeconfig', cluster.kubeconfig, ...args], env ? { env } : {});
    const lintJson = async (args: string[]): Promise<{ code: number; report: JsonReport; stderr: string }> => {
      const r = await lint([...args, '-o', 'json']);
      return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, stderr: r.stderr };
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hostpod-lint-server-'));
      cluster = await c.start(dir);
      admin = new KubeClient(loadKubeconfig(cluster.kubeconfig), 'hostpod-test');
      await namespace(RESTRICTED, { 'pod-security.kubernetes.io/enforce': 'restricted' });
      await namespace(PRIVILEGED, { 'pod-security.kubernetes.io/enforce': 'privileged' });
    });
    after(async () => {
      admin?.close();
      await cluster?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('lint --server: the examples\' HostProcess DaemonSet is denied under restricted by both (hostpod reading the namespace\'s labels from the cluster), and allowed under privileged by both', async () => {
      const restricted = daemonSet(RESTRICTED);
      const privileged = daemonSet(PRIVILEGED);
      const text = await lint([restricted, privileged]);
      assert.equal(text.code, 1, text.stderr);
      assert.equal(text.stderr, '');
      const lines = text.stdout.split('\n');
      assert.match(lines[0] ?? '', /^server https:\/\/127\.0\.0\.1:\d+ \(Kubernetes v1\.\d+\.\d+\S*\), context "[^"]+", namespace "default"$/);
      assert.ok(!text.stdout.includes('DISAGREES'), text.stdout);
      assert.match(text.stdout, new RegExp(`^${escape(restricted)}:10: daemonset.apps/privileged-daemonset -n ${RESTRICTED}: valid, denied by PodSecurity "restricted:latest"$`, 'm'));
      // The DaemonSet itself is admitted, with the warning hostpod also gives; its pods are not.
      assert.match(text.stdout, /^ {2}server: allowed \(with hostpod's warning above\)$/m);
      assert.match(text.stdout, /^ {2}server: pods of daemonset\.apps\/privileged-daemonset: Error from server \(Forbidden\): pods "privileged-daemonset-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": host namespaces \(hostNetwork=true\), hostProcess/m);
      assert.match(text.stdout, /^ {2}server: pods of daemonset\.apps\/privileged-daemonset: allowed$/m);
      assert.match(text.stdout, /^2 objects: 1 ok, 0 invalid, 1 denied by Pod Security; server: 1 allowed, 1 refused, 0 disagreements$/m);

      const json = await lintJson([restricted, privileged]);
      assert.equal(json.code, 1);
      assert.equal(json.report.cluster?.namespace, 'default');
      const [denied, allowed] = json.report.results;
      assert.equal(denied?.podSecurity?.allowed, false);
      assert.equal(denied?.server?.outcome, 'allowed');
      assert.equal(denied?.server?.request, 'create');
      assert.ok(denied?.server?.warnings.some((w) => w.startsWith('would violate PodSecurity "restricted:latest"')), JSON.stringify(denied?.server));
      assert.equal(denied?.server?.pods?.outcome, 'refused');
      assert.equal(denied?.server?.pods?.reason, 'Forbidden');
      assert.equal(denied?.server?.disagrees, false);
      assert.deepEqual([allowed?.podSecurity?.allowed, allowed?.server?.outcome, allowed?.server?.pods?.outcome, allowed?.server?.disagrees], [true, 'allowed', 'allowed', false]);

      const alone = await lint([privileged]);
      assert.equal(alone.code, 0, alone.stdout);
    });

    test('lint --server: a namespace that does not exist is the server\'s refusal, which hostpod does not see: DISAGREES', async () => {
      const path = daemonSet('lint-nowhere');
      const r = await lint([path]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^.*daemonset\.apps\/privileged-daemonset -n lint-nowhere: valid, allowed by PodSecurity "privileged:latest"; DISAGREES with the server$/m);
      assert.match(r.stdout, new RegExp(`^ {2}server: Error from server \\(NotFound\\): error when creating "${escape(path)}": namespaces "lint-nowhere" not found$`, 'm'));
      assert.match(r.stdout, /^ {4}hint: namespace "lint-nowhere" does not exist on this cluster: create it first \(kubectl create namespace lint-nowhere\)/m);
      assert.match(r.stdout, /; server: 0 allowed, 1 refused, 1 disagreement$/m);
      const json = await lintJson([path]);
      assert.deepEqual([json.report.results[0]?.server?.outcome, json.report.results[0]?.server?.code, json.report.results[0]?.server?.disagrees], ['refused', 404, true]);
    });

    test('lint --server: a Namespace earlier in the input is not created by a dry run: objects in it wait for it, without failing', async () => {
      const pod = (ns: string): string => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ${ns}\nspec:\n  containers:\n  - name: c\n    image: busybox\n`;
      const path = write('namespace-first.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lint-new\n---\n${pod('lint-new')}`);
      const r = await lint([path]);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /^ {2}server: not checked yet: namespaces "lint-new" not found\n {4}hint: namespace "lint-new" is created by .*namespace-first\.yaml:1, and a dry run creates nothing/m);
      assert.match(r.stdout, /; server: 1 allowed, 0 refused, 1 not checked yet, 0 disagreements$/m);
    });

    test('lint --server: an object that exists is patched, as kubectl apply does', async () => {
      const path = daemonSet(PRIVILEGED);
      const created = await lint([path]);
      assert.match(created.stdout, /^ {2}server: allowed$/m);
      await call('POST', `/apis/apps/v1/namespaces/${PRIVILEGED}/daemonsets`, parse(readFileSync(path, 'utf8')));
      try {
        const json = await lintJson([path]);
        assert.equal(json.code, 0);
        assert.deepEqual([json.report.results[0]?.server?.outcome, json.report.results[0]?.server?.request], ['allowed', 'patch']);
        const text = await lint([path]);
        assert.match(text.stdout, /^ {2}server: allowed \(dry-run patch: it exists\)$/m);
      } finally {
        await call('DELETE', `/apis/apps/v1/namespaces/${PRIVILEGED}/daemonsets/privileged-daemonset`);
      }
    });

    test('lint --server: objects without a namespace go to the context\'s, found as kubectl finds the kubeconfig ($KUBECONFIG, --context)', async () => {
      const config = parse(readFileSync(cluster.kubeconfig, 'utf8')) as { contexts: { name: string; context: Record<string, string> }[]; 'current-context': string };
      const base = config.contexts.find((x) => x.name === config['current-context'])?.context ?? {};
      config.contexts = [
        { name: 'restricted', context: { ...base, namespace: RESTRICTED } },
        { name: 'privileged', context: { ...base, namespace: PRIVILEGED } },
      ];
      config['current-context'] = 'restricted';
      const kubeconfig = write('contexts.kubeconfig', stringify(config));
      const path = daemonSet(null);
      const env = { KUBECONFIG: `${join(dir, 'absent.kubeconfig')}:${kubeconfig}` };
      const current = await runHostpod(['lint', '--server', path, '-o', 'json'], { env });
      const report = JSON.parse(current.stdout) as JsonReport;
      assert.equal(current.code, 1, current.stderr);
      assert.deepEqual([report.cluster?.context, report.cluster?.namespace, report.results[0]?.namespace], ['restricted', RESTRICTED, RESTRICTED]);
      assert.deepEqual([report.results[0]?.podSecurity?.allowed, report.results[0]?.server?.pods?.outcome], [false, 'refused']);
      const other = await runHostpod(['lint', '--server', '--context', 'privileged', path], { env });
      assert.equal(other.code, 0, other.stdout);
      assert.match(other.stdout, new RegExp(`^server .*, context "privileged", namespace "${PRIVILEGED}"$`, 'm'));
    });

    test('lint --server: a user who may not make the dry run gets "not checked", naming the permission, and exit 1', async () => {
      await call('POST', `/api/v1/namespaces/${PRIVILEGED}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'linter' } });
      const request = await call('POST', `/api/v1/namespaces/${PRIVILEGED}/serviceaccounts/linter/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
      const config = parse(readFileSync(cluster.kubeconfig, 'utf8')) as { users: { name: string; user: Record<string, string> }[] };
      config.users = config.users.map((u) => ({ name: u.name, user: { token: (request['status'] as { token: string }).token } }));
      const kubeconfig = write('linter.kubeconfig', stringify(config));
      const r = await runHostpod(['lint', '--server', '--kubeconfig', kubeconfig, daemonSet(RESTRICTED)]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, new RegExp(`^ {2}server: not checked: daemonsets\\.apps "privileged-daemonset" is forbidden: User "system:serviceaccount:${PRIVILEGED}:linter" cannot get resource "daemonsets" in API group "apps" in the namespace "${RESTRICTED}"`, 'm'));
      assert.match(r.stdout, new RegExp(`^ {4}hint: a dry run needs the permission the real request needs, .*kubectl auth can-i get daemonsets\\.apps -n ${RESTRICTED}\\), or lint without --server$`, 'm'));
      // hostpod cannot read the namespace's labels either, and says what it assumed.
      assert.match(r.stdout, new RegExp(`^ {2}Warning: cannot read namespace "${RESTRICTED}" from the server \\(Forbidden\\): hostpod judged its pods as in a namespace without Pod Security labels`, 'm'));
      assert.match(r.stdout, /; server: 0 allowed, 0 refused, 1 not checked, 0 disagreements$/m);
    });

    test('lint --server: a server that does not answer is an error naming it and the fix (exit 1), before any result', async () => {
      const config = readFileSync(cluster.kubeconfig, 'utf8');
      const server = /server: (https:\/\/\S+)/.exec(config)?.[1] ?? '';
      const dead = `https://127.0.0.1:${await freePort()}`;
      const kubeconfig = write('dead.kubeconfig', config.replace(server, dead));
      const r = await runHostpod(['lint', '--server', '--kubeconfig', kubeconfig, daemonSet(PRIVILEGED)]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^error: the API server ${escape(dead)} \\(context "[^"]+" of ${escape(kubeconfig)}\\) cannot be reached \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\)\\n {2}hint: is the cluster running, and is this its address\\? kubectl --kubeconfig ${escape(kubeconfig)} cluster-info asks the same server; pass another --kubeconfig or --context, or lint without --server\\n$`));
    });

    test('lint --server: a ValidatingAdmissionPolicy of the cluster refuses pods hostpod allows: DISAGREES, naming the policy', { skip: !c.policies && 'hostpod\'s control plane serves no ValidatingAdmissionPolicies' }, async () => {
      await call('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'no-local-system' },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }] },
          validations: [{
            expression: "!has(object.spec.securityContext) || !has(object.spec.securityContext.windowsOptions) || !has(object.spec.securityContext.windowsOptions.runAsUserName) || object.spec.securityContext.windowsOptions.runAsUserName != 'NT AUTHORITY\\\\SYSTEM'",
            message: 'HostProcess pods must not run as NT AUTHORITY\\SYSTEM',
          }],
        },
      });
      await call('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', {
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'no-local-system' },
        spec: { policyName: 'no-local-system', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'hostpod.io/lint-test': 'policed' } } } },
      });
      await namespace(POLICED, { 'pod-security.kubernetes.io/enforce': 'privileged', 'hostpod.io/lint-test': 'policed' });
      const path = daemonSet(POLICED);
      // The API server learns of new policies within a second or so: ask until it applies this one.
      let r: CliResult | undefined;
      for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
        r = await lint([path]);
        if (r.stdout.includes('DISAGREES')) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      assert.ok(r);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, new RegExp(`daemonset\\.apps/privileged-daemonset -n ${POLICED}: valid, allowed by PodSecurity "privileged:latest"; DISAGREES with the server$`, 'm'));
      assert.match(r.stdout, /^ {2}server: allowed$/m);
      assert.match(r.stdout, /^ {2}server: pods of daemonset\.apps\/privileged-daemonset: Error from server \(Invalid\): pods "privileged-daemonset-[a-z0-9]{5}" is forbidden: ValidatingAdmissionPolicy 'no-local-system' with binding 'no-local-system' denied request: HostProcess pods must not run as NT AUTHORITY\\SYSTEM$/m);
      assert.match(r.stdout, /^ {4}hint: the cluster's ValidatingAdmissionPolicy "no-local-system" \(binding "no-local-system"\) refuses it/m);
    });
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
