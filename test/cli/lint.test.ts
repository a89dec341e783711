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
    assert.match(r.stdout, /^ {2}Error from server \(Forbidden\): error when creating "examples\/hostprocess-pod\.yaml": pods "hostprocess-pod" is forbidden: violates PodSecurity "baseline:v1\.30": host namespaces \(hostNetwork=true\), hostProcess \(pod must not set securityContext\.windowsOptions\.hostProcess=true\)$/m);
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

  test('reads /dev/stdin and process substitution: pipes are read to their end', () => {
    const r = spawnSync('bash', ['-c', `cat examples/hostprocess-pod.yaml | node ${BIN} lint -o json /dev/stdin && node ${BIN} lint <(cat examples/hostprocess-pod.yaml)`], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"name": "hostprocess-pod"/);
    assert.match(r.stdout, /^1 object: 1 ok/m);
  });

  test('a closed output pipe ends lint quietly', async () => {
    // Far more output than a pipe buffers, so the writes after `head` exits fail with EPIPE.
    const many = await manifest('many-pods.yaml', Array.from({ length: 3000 }, (_, i) => HOST_PROCESS_POD.replace('name: hp', `name: hp${i}`)).join('---\n'));
    for (const output of ['text', 'json']) {
      const r = spawnSync('bash', ['-c', `node ${BIN} lint -o ${output} ${many} | head -c 10 >/dev/null`], { cwd: REPO, encoding: 'utf8' });
      assert.equal(r.stderr, '', output);
    }
  });

  test('a typo in the API group is an error, not a custom resource', async () => {
    const r = json(['lint', await manifest('typo-group.yaml', HOST_PROCESS_POD.replace('apiVersion: v1', 'apiVersion: app/v1'))]);
    assert.equal(r.code, 1);
    assert.match(r.results[0]?.errors[0]?.message ?? '', /^no matches for kind "Pod" in version "app\/v1": Pod is served as apiVersion v1$/);
  });

  test('an object that cannot be decoded is a Bad Request, as on a real cluster', async () => {
    const path = await manifest('undecodable.yaml', HOST_PROCESS_POD.replace('hostNetwork: true', 'hostNetwork: "true"\n  hostNetwrok: true'));
    const r = hostpod(['lint', path]);
    assert.equal(r.code, 1);
    assert.ok(r.stdout.includes(`Error from server (BadRequest): error when creating "${path}": Pod in version "v1" cannot be handled as a Pod: ` +
      'json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool'), r.stdout);
  });

  test('other kinds report their namespace and their decoding errors', async () => {
    const r = json(['lint', await manifest('other.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: foo}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {bogus: 1}\n')]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.results.map((x) => [x.kind, x.namespace, x.valid]), [['ConfigMap', 'foo', true], ['Service', 'default', false]]);
    assert.deepEqual(r.results[1]?.errors, [{ field: 'spec.bogus', type: 'BadRequest', message: 'unknown field "spec.bogus"' }]);
  });

  test('memory stays bounded: 60 MB of large documents and an alias bomb lint under a 256 MB heap', async () => {
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: "${'x'.repeat(2 * 1024 * 1024)}"}\n`;
    const path = await manifest('many-large.yaml', Array(30).fill(big).join('---\n'));
    const bomb = await manifest('bomb.yaml', ['a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n'));
    const r = spawnSync(process.execPath, ['--max-old-space-size=256', BIN, 'lint', path, bomb], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr.slice(0, 2000));
    assert.match(r.stdout, /^30 objects: 30 ok, 0 invalid, 0 denied by Pod Security, 1 unreadable$/m);
    assert.match(r.stderr, /bomb\.yaml:1:1 \(document 0\): Excessive alias count indicates a resource exhaustion attack/);
  });

  test('exits 2 on unreadable input and on usage errors', async () => {
    const missing = hostpod(['lint', join(dir, 'missing.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /error: cannot read .*missing\.yaml: no such file or directory/);
    const broken = hostpod(['lint', await manifest('broken.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n')]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /error: .*broken\.yaml:3:\d+ \(document 0\): Flow sequence in block collection must be sufficiently indented and end with a \]/);
    assert.equal(hostpod(['lint', '--pod-security', 'strict', 'examples/']).code, 2);
    assert.equal(hostpod(['lint', '--allow-privileged=maybe', 'examples/']).code, 2);
    assert.equal(hostpod(['lint', '-o', 'yaml', 'examples/']).code, 2);
    assert.equal(hostpod(['lint']).code, 2);
    assert.equal(hostpod(['frobnicate']).code, 2);
    assert.equal(hostpod(['lint', await manifest('empty.yaml', '')]).code, 2);
  });
});
