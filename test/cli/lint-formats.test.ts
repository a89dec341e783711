/**
 * `hostpod lint` where users work: SARIF and JUnit reports, Helm charts and kustomizations, the
 * containerd advisor, through the built command.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { kubectlDir, kubectlSkip } from '../support/controlplane.js';
import { helmBinary, helmSkip } from '../support/helm.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO, 'bin', 'hostpod.js');
const FIXTURES = 'test/lint/fixtures/containerd';

function hostpod(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostpod-lint-formats-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const INVALID_POD = `apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\\\Local service"
  hostNetwork: false
  containers:
  - name: app
    image: example.com/app:1
`;

interface SarifLog {
  $schema: string;
  version: string;
  runs: Array<{
    tool: { driver: { name: string; version: string; rules: Array<{ id: string; shortDescription: { text: string }; helpUri?: string }> } };
    results: Array<{
      ruleId: string; ruleIndex: number; level: string; message: { text: string };
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number; startColumn?: number } }; logicalLocations?: Array<{ fullyQualifiedName: string }> }>;
    }>;
  }>;
}

describe('hostpod lint -o sarif', () => {
  test('a SARIF 2.1.0 log: the rules used, a result per finding with its rule, level, message, file and line', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, `# a comment first\n${INVALID_POD}`);
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'kind: Pod\nmetadata: [unclosed\n');
    const r = hostpod(['lint', '--containerd', '1.7', '-o', 'sarif', `${FIXTURES}/calico-3.23.yaml`, bad, broken]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, '');
    const log = JSON.parse(r.stdout) as SarifLog;
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif-2\.1\.0/);
    assert.equal(log.runs.length, 1);
    const run = log.runs[0];
    assert.ok(run);
    assert.equal(run.tool.driver.name, 'hostpod');
    assert.match(run.tool.driver.version, /^\d+\.\d+\.\d+/);
    const ids = run.tool.driver.rules.map((rule) => rule.id);
    assert.deepEqual(ids, [...new Set(ids)].sort());
    for (const rule of run.tool.driver.rules) {
      assert.ok(rule.shortDescription.text.length > 10, rule.id);
      assert.match(rule.helpUri ?? '', /^https:\/\//, rule.id);
    }
    for (const result of run.results) {
      assert.equal(run.tool.driver.rules[result.ruleIndex]?.id, result.ruleId);
      assert.ok(['error', 'warning'].includes(result.level));
      assert.ok(result.message.text.length > 0);
      assert.equal(result.locations.length, 1);
    }
    const byRule = (id: string) => run.results.filter((x) => x.ruleId === id);
    const advisories = [...byRule('containerd17-read-only-mount'), ...byRule('containerd17-working-directory')];
    assert.equal(advisories.length, 2);
    // Each points at its field in the file: the args: key of the container.
    assert.deepEqual(advisories.map((a) => [a.level, a.locations[0]?.physicalLocation]), [
      ['warning', { artifactLocation: { uri: `${FIXTURES}/calico-3.23.yaml` }, region: { startLine: 27, startColumn: 9 } }],
      ['warning', { artifactLocation: { uri: `${FIXTURES}/calico-3.23.yaml` }, region: { startLine: 38, startColumn: 9 } }],
    ]);
    // A warning without a field points at the object's document.
    assert.deepEqual(byRule('hostpod-warning').find((x) => x.message.text.includes('NT AUTHORITY\\SYSTEM'))?.locations[0]?.physicalLocation.region, { startLine: 4 });
    assert.deepEqual(byRule('containerd17-working-directory')[0]?.locations[0]?.logicalLocations?.[0]?.fullyQualifiedName, 'spec.template.spec.containers[0].args');
    const invalid = byRule('hostpod-invalid');
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0]?.level, 'error');
    assert.match(invalid[0]?.message.text ?? '', /^spec\.hostNetwork: Invalid value: false/);
    assert.deepEqual(invalid[0]?.locations[0]?.physicalLocation.region, { startLine: 11, startColumn: 3 });
    assert.equal(invalid[0]?.locations[0]?.physicalLocation.artifactLocation.uri, `file://${bad}`);
    const unreadable = byRule('hostpod-unreadable');
    assert.equal(unreadable.length, 1);
    assert.equal(unreadable[0]?.locations[0]?.physicalLocation.region?.startLine, 2);
    assert.equal(typeof unreadable[0]?.locations[0]?.physicalLocation.region?.startColumn, 'number');
  });

  test('a clean manifest is a log with no results, exit 0', () => {
    const r = hostpod(['lint', '--containerd', '1.7', '-o', 'sarif', `${FIXTURES}/after-297.yaml`]);
    assert.equal(r.code, 0, r.stderr);
    const log = JSON.parse(r.stdout) as SarifLog;
    assert.deepEqual(log.runs[0]?.results.filter((x) => x.ruleId !== 'hostpod-warning'), []);
  });
});

describe('hostpod lint -o junit', () => {
  test('a testsuite per file, a testcase per object, a failure for an invalid one, warnings in system-out', async () => {
    const bad = join(dir, 'junit-bad.yaml');
    await writeFile(bad, `${INVALID_POD}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a<b&c"\n`);
    const r = hostpod(['lint', '--containerd', '1.7', '-o', 'junit', `${FIXTURES}/kube-proxy-before-297.yaml`, bad]);
    assert.equal(r.code, 1, r.stderr);
    const xml = r.stdout;
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="hostpod lint" tests="3" failures="1" errors="0">/);
    assert.match(xml, new RegExp(`<testsuite name="${FIXTURES}/kube-proxy-before-297.yaml" tests="1" failures="0" errors="0">`));
    assert.match(xml, new RegExp(`<testsuite name="${bad}" tests="2" failures="1" errors="0">`));
    assert.match(xml, /<testcase name="daemonset\.apps\/kube-proxy-windows -n kube-system \(line 3\)"[^>]*>\n {6}<system-out>Warning: spec\.template\.spec\.containers\[0\]\.args: container &quot;kube-proxy&quot; copies/);
    assert.match(xml, /<testcase name="pod\/bad -n default \(line 1\)"[^>]*>\n {6}<failure message="spec\.hostNetwork: Invalid value: false/);
    // Other kinds are not validated (docs/commands/lint.md), but their names are escaped.
    assert.match(xml, /<testcase name="configmap\/a&lt;b&amp;c -n default \(line 15\)"[^>]*>\n {4}<\/testcase>/);
    assert.equal((xml.match(/<testcase /g) ?? []).length, (xml.match(/<\/testcase>/g) ?? []).length);
    assert.equal((xml.match(/<testsuite /g) ?? []).length, 2);
  });
});

describe('hostpod lint of charts and kustomizations', () => {
  const helmReason = helmSkip();
  test('a Helm chart is rendered with helm template and its objects point at the template files', { skip: helmReason }, () => {
    const r = hostpod(['lint', 'examples/helm/hostprocess-agent'], { HOSTPOD_HELM: helmBinary() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^examples\/helm\/hostprocess-agent\/templates\/daemonset\.yaml:1: daemonset\.apps\/release-name -n default: valid, allowed by PodSecurity "privileged:latest"$/m);
    assert.match(r.stdout, /^examples\/helm\/hostprocess-agent\/templates\/serviceaccount\.yaml:1: serviceaccount\/release-name -n default: valid$/m);
    assert.match(r.stdout, /^6 objects: 6 ok/m);
  });

  test('a chart whose template is invalid fails lint, the SARIF location is the template', { skip: helmReason }, async () => {
    const chart = join(dir, 'chart');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: broken\nversion: 0.1.0\n');
    await writeFile(join(chart, 'templates', 'pod.yaml'), INVALID_POD.replace('name: bad', 'name: {{ .Release.Name }}-pod'));
    const r = hostpod(['lint', '-o', 'sarif', chart], { HOSTPOD_HELM: helmBinary() });
    assert.equal(r.code, 1, r.stderr);
    const result = (JSON.parse(r.stdout) as SarifLog).runs[0]?.results.find((x) => x.ruleId === 'hostpod-invalid');
    assert.equal(result?.locations[0]?.physicalLocation.artifactLocation.uri, `file://${join(chart, 'templates', 'pod.yaml')}`);
    assert.match(result?.message.text ?? '', /spec\.hostNetwork/);
  });

  test('--values and --set reach helm template, later ones winning; without a chart they are a usage error', { skip: helmReason }, async () => {
    const chart = join(dir, 'valued');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: valued\nversion: 0.1.0\n');
    await writeFile(join(chart, 'values.yaml'), 'hostNetwork: false\n');
    await writeFile(join(chart, 'templates', 'pod.yaml'), INVALID_POD.replace('name: bad', 'name: {{ .Release.Name }}-pod').replace(/hostNetwork: \w+/, 'hostNetwork: {{ .Values.hostNetwork }}'));
    const defaults = hostpod(['lint', chart], { HOSTPOD_HELM: helmBinary() });
    assert.equal(defaults.code, 1, defaults.stdout + defaults.stderr);
    assert.match(defaults.stdout, /spec\.hostNetwork/);
    const values = join(dir, 'host-network.yaml');
    await writeFile(values, 'hostNetwork: true\n');
    const valued = hostpod(['lint', '--values', values, chart], { HOSTPOD_HELM: helmBinary() });
    assert.doesNotMatch(valued.stdout, /spec\.hostNetwork/, valued.stdout);
    const overridden = hostpod(['lint', '--values', values, '--set', 'hostNetwork=false', chart], { HOSTPOD_HELM: helmBinary() });
    assert.match(overridden.stdout, /spec\.hostNetwork/, overridden.stdout);
    const noChart = hostpod(['lint', '--set', 'a=b', join(dir, 'host-network.yaml')]);
    assert.equal(noChart.code, 2, noChart.stderr);
    assert.match(noChart.stderr, /--values and --set are for Helm charts, and none of .*host-network\.yaml is one/);
  });

  test('a chart without helm is an error that says how to get it, exit 2; a chart helm refuses is helm\'s message', async () => {
    const r = hostpod(['lint', 'examples/helm/hostprocess-agent'], { PATH: '/nonexistent' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /examples\/helm\/hostprocess-agent is a Helm chart \(it has Chart\.yaml\), and helm is not on PATH\n {2}hint: install helm, or set HOSTPOD_HELM/);
    if (helmReason) return;
    const chart = join(dir, 'bad-chart');
    await mkdir(join(chart, 'templates'), { recursive: true });
    await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: bad\nversion: 0.1.0\n');
    await writeFile(join(chart, 'templates', 'x.yaml'), 'kind: {{ .Values.nope.deeper }}\n');
    const failed = hostpod(['lint', chart], { HOSTPOD_HELM: helmBinary() });
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /helm template .*bad-chart failed: [\s\S]*nil pointer evaluating/);
  });

  const kubectlReason = kubectlSkip('1.33');
  test('a kustomization is built with kubectl kustomize; its objects point at kustomization.yaml', { skip: kubectlReason }, async () => {
    const base = join(dir, 'kustomize');
    await mkdir(base, { recursive: true });
    await writeFile(join(base, 'kustomization.yaml'), 'namePrefix: prod-\nnamespace: nodes\nresources:\n- daemonset.yaml\n');
    await writeFile(join(base, 'daemonset.yaml'), await (await import('node:fs/promises')).readFile(join(REPO, FIXTURES, 'calico-3.23.yaml'), 'utf8'));
    const r = hostpod(['lint', '--containerd', '1.7', base], { HOSTPOD_KUBECTL: join(kubectlDir() ?? '', 'kubectl.1.33') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${base}/kustomization\\.yaml:1: daemonset\\.apps/prod-calico-node-windows -n nodes: valid`, 'm'));
    assert.match(r.stdout, /Warning: spec\.template\.spec\.containers\[0\]\.args: container "node" starts "\.\\node\\node-service\.ps1"/);
    const missing = hostpod(['lint', base], { PATH: '/nonexistent' });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /is a kustomization \(it has kustomization\.yaml\), and kubectl is not on PATH/);
  });
});

describe('the pre-commit hooks', () => {
  test('.pre-commit-hooks.yaml: each hook runs hostpod lint on the manifests folders, and its entry works as pre-commit calls it', async () => {
    const { parse } = await import('yaml');
    const { readFile } = await import('node:fs/promises');
    const hooks = parse(await readFile(join(REPO, '.pre-commit-hooks.yaml'), 'utf8')) as Array<{ id: string; entry: string; language: string; files: string }>;
    assert.deepEqual(hooks.map((h) => h.id), ['hostpod-lint', 'hostpod-lint-containerd']);
    for (const hook of hooks) {
      assert.equal(hook.language, 'node');
      const files = new RegExp(hook.files);
      assert.ok(files.test('deploy/windows/daemonset.yaml') && files.test('k8s/pod.json'), hook.id);
      assert.ok(!files.test('.github/workflows/ci.yml') && !files.test('README.md'), hook.id);
      const [bin, ...args] = hook.entry.split(' ');
      assert.equal(bin, 'hostpod');
      // pre-commit appends the staged file names to the entry.
      const r = hostpod([...args, `${FIXTURES}/kube-proxy-before-297.yaml`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.includes('containerd17-copy-onto-itself') || r.stdout.includes('copies $env:CONTAINER_SANDBOX_MOUNT_POINT'), hook.id === 'hostpod-lint-containerd');
    }
  });
});

describe('hostpod lint --containerd', () => {
  test('-o json lists the advice as advisories with rule, field, message and url; text shows it as warnings', () => {
    const r = hostpod(['lint', '--containerd', '1.7', '-o', 'json', `${FIXTURES}/kube-proxy-before-297.yaml`]);
    assert.equal(r.code, 0, r.stderr);
    const { results } = JSON.parse(r.stdout) as { results: Array<{ advisories?: Array<Record<string, string>> }> };
    assert.deepEqual(results[0]?.advisories?.map((a) => [a['rule'], a['field'], a['url']]), [
      ['containerd17-copy-onto-itself', 'spec.template.spec.containers[0].args', 'https://github.com/kubernetes-sigs/sig-windows-tools/issues/277'],
    ]);
    const text = hostpod(['lint', '--containerd', '1.7', `${FIXTURES}/kube-proxy-before-297.yaml`]);
    assert.match(text.stdout, /^ {2}Warning: spec\.template\.spec\.containers\[0\]\.args: container "kube-proxy" copies .* both paths are the same file/m);
  });

  test('a version other than 1.6 or 1.7 is a usage error', () => {
    const r = hostpod(['lint', '--containerd', '2.0', `${FIXTURES}/kube-proxy-before-297.yaml`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /option '--containerd <version>' argument '2\.0' is invalid\. Allowed choices are 1\.6, 1\.7\./);
  });
});
