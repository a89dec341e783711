/**
 * `hostpod lint` end to end: the built command, run as a user runs it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { LintResult } from '../../src/lint/lint.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO, 'bin', 'hostpod.js');

function hostpod(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(args: string[], input?: string): { code: number | null; results: LintResult[]; problems: unknown[] } {
  const r = hostpod([...args, '-o', 'json'], input);
  const parsed = JSON.parse(r.stdout) as { results: LintResult[]; problems: unknown[] };
  return { code: r.code, ...parsed };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostpod-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function manifest(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const HOST_PROCESS_POD = `apiVersion: v1
kind: Pod
metadata:
  name: hp
spec:
  securityContext:
    windowsOptions:
      hostProcess: true
      runAsUserName: "NT AUTHORITY\\\\Local service"
  hostNetwork: true
  containers:
  - name: app
    image: localhost/hostprocess-base:latest
`;

describe('hostpod lint', () => {
  test('the examples are valid and allowed at privileged', () => {
    const r = json(['lint', 'examples/hostprocess.yaml', 'examples/hostprocess-pod.yaml']);
    assert.equal(r.code, 0);
    assert.deepEqual(r.results.map((x) => [x.file, x.index, x.kind, x.namespace, x.name, x.valid, x.errors, x.podSecurity?.level, x.podSecurity?.allowed]), [
      ['examples/hostprocess.yaml', 0, 'DaemonSet', 'kube-system', 'privileged-daemonset', true, [], 'privileged', true],
      ['examples/hostprocess-pod.yaml', 0, 'Pod', 'default', 'hostprocess-pod', true, [], 'privileged', true],
    ]);
  });

  test('the examples are denied at baseline for host namespaces and hostProcess', () => {
    const r = json(['lint', '--pod-security', 'baseline', 'examples/']);
    assert.equal(r.code, 1);
    assert.equal(r.results.length, 2);
    for (const result of r.results) {
      assert.equal(result.valid, true);
      assert.deepEqual(result.podSecurity, {
        level: 'baseline', version: 'latest', allowed: false, reasons: ['host namespaces', 'hostProcess'],
        message: 'violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)',
      });
    }
  });

  test('text output uses kubectl\'s wording', () => {
    const r = hostpod(['lint', '--pod-security=baseline:v1.30', 'examples/hostprocess-pod.yaml']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^examples\/hostprocess-pod\.yaml:\d+: pod\/hostprocess-pod -n default: valid, denied by PodSecurity "baseline:v1\.30"$/m);
    assert.match(r.stdout, /^ {2}Error from server \(Forbidden\): pods "hostprocess-pod" is forbidden: violates PodSecurity "baseline:v1\.30": host namespaces \(hostNetwork=true\), hostProcess \(pod must not set securityContext\.windowsOptions\.hostProcess=true\)$/m);
    assert.match(r.stdout, /^1 object: 0 ok, 0 invalid, 1 denied by Pod Security$/m);
  });

  test('an invalid HostProcess pod prints the API server\'s errors and exits 1', async () => {
    const path = await manifest('no-host-network.yaml', HOST_PROCESS_POD.replace('hostNetwork: true', 'hostNetwork: false').replace('Local service', 'Local\\\\service'));
    const r = hostpod(['lint', path]);
    assert.equal(r.code, 1);
    assert.ok(r.stdout.includes([
      '  The Pod "hp" is invalid: ',
      '  * spec.securityContext.windowsOptions.runAsUserName: Invalid value: "NT AUTHORITY\\\\Local\\\\service": runAsUserName cannot contain more than one backslash',
      '  * spec.hostNetwork: Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    ].join('\n')), r.stdout);
  });

  test('JSON errors carry field, type and message', async () => {
    const path = await manifest('bad.yaml', HOST_PROCESS_POD.replace('hostNetwork: true', 'hostNetwork: false'));
    const r = json(['lint', path]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.results[0]?.errors, [{
      field: 'spec.hostNetwork', type: 'FieldValueInvalid',
      message: 'Invalid value: false: hostNetwork must be true if pod contains any hostProcess containers',
    }]);
  });

  test('--allow-privileged=false rejects HostProcess pods', async () => {
    const path = await manifest('hp.yaml', HOST_PROCESS_POD);
    const r = json(['lint', '--allow-privileged=false', path]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.results[0]?.errors, [{ field: 'spec', type: 'FieldValueForbidden', message: 'Forbidden: hostProcess containers are disallowed by cluster policy' }]);
  });

  test('--namespace-labels apply enforce, warn and audit labels, and a Namespace object in the input does too', async () => {
    const labelled = json(['lint', '--namespace-labels', 'pod-security.kubernetes.io/warn=baseline', await manifest('hp2.yaml', HOST_PROCESS_POD)]);
    assert.equal(labelled.code, 0);
    assert.deepEqual(labelled.results[0]?.warnings, [
      'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)',
    ]);
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n---\n';
    const withNamespace = json(['lint', await manifest('with-ns.yaml', ns + HOST_PROCESS_POD)]);
    assert.equal(withNamespace.code, 1);
    assert.equal(withNamespace.results[1]?.podSecurity?.level, 'restricted');
    assert.ok(withNamespace.results[1]?.warnings.some((w) => w.startsWith('HostProcess pods need the privileged Pod Security level, and namespace "default" enforces restricted:latest')));
  });

  test('a Namespace with an invalid Pod Security label is invalid, and its pods are judged at restricted', async () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels:\n    pod-security.kubernetes.io/enforce: Baseline\n---\n';
    const r = json(['lint', await manifest('bad-ns.yaml', ns + HOST_PROCESS_POD)]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.results[0]?.errors, [{
      field: 'metadata.labels[pod-security.kubernetes.io/enforce]', type: 'FieldValueInvalid',
      message: 'Invalid value: "Baseline": must be one of privileged, baseline, restricted',
    }]);
    assert.equal(r.results[1]?.podSecurity?.level, 'restricted');
    assert.equal(r.results[1]?.podSecurity?.allowed, false);
  });

  test('an exempt namespace admits the pod', async () => {
    const r = json(['lint', '--pod-security', 'baseline', '--exempt-namespaces', 'default', await manifest('hp3.yaml', HOST_PROCESS_POD)]);
    assert.equal(r.code, 0);
    assert.equal(r.results[0]?.podSecurity?.exempt, 'namespace');
  });

  test('HostProcess advice: no runAsUserName, a Windows node selector', async () => {
    const path = await manifest('advice.yaml', HOST_PROCESS_POD.replace(/ {6}runAsUserName.*\n/, '') + '  nodeSelector:\n    kubernetes.io/os: windows\n');
    const r = json(['lint', path]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.results[0]?.warnings, [
      'container "app" has no runAsUserName: it runs as the image\'s user (an image without one cannot start); set spec.securityContext.windowsOptions.runAsUserName, preferably to "NT AUTHORITY\\Local service"',
      'spec.nodeSelector: kubernetes.io/os=windows matches no hostpod node (hostpod nodes report linux), so the pod will never be scheduled there: select kubernetes.io/os: linux',
    ]);
  });

  test('reads standard input', () => {
    const r = json(['lint', '-'], HOST_PROCESS_POD);
    assert.equal(r.code, 0);
    assert.equal(r.results[0]?.file, '-');
  });

  test('an unknown kind is invalid with a clear message', async () => {
    const r = json(['lint', await manifest('typo.yaml', HOST_PROCESS_POD.replace('kind: Pod', 'kind: Pdo'))]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.results[0]?.errors, [{
      field: 'kind', type: 'FieldValueNotSupported',
      message: 'no matches for kind "Pdo" in version "v1": hostpod knows the built-in Kubernetes kinds; check the spelling of kind and apiVersion',
    }]);
  });

  test('exits 2 on unreadable input and on usage errors', async () => {
    const missing = hostpod(['lint', join(dir, 'missing.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stdout, /error: cannot read .*missing\.yaml: no such file or directory/);
    const broken = hostpod(['lint', await manifest('broken.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n')]);
    assert.equal(broken.code, 2);
    assert.match(broken.stdout, /error: .*broken\.yaml:4:1 \(document 0\): Flow sequence in block collection must be sufficiently indented and end with a \]/);
    assert.equal(hostpod(['lint', '--pod-security', 'strict', 'examples/']).code, 2);
    assert.equal(hostpod(['lint', '--allow-privileged=maybe', 'examples/']).code, 2);
    assert.equal(hostpod(['lint', '-o', 'yaml', 'examples/']).code, 2);
    assert.equal(hostpod(['lint']).code, 2);
    assert.equal(hostpod(['frobnicate']).code, 2);
    assert.equal(hostpod(['lint', await manifest('empty.yaml', '')]).code, 2);
  });
});
