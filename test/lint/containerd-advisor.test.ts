/**
 * The containerd 1.6 -> 1.7 advisor: each rule on the manifests that broke upstream, and on the
 * fixed ones and look-alikes that must stay quiet.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadManifests } from '../../src/api/load-manifests.js';
import type { ContainerdVersion } from '../../src/lint/containerd/index.js';
import { lintObjects, type LintResult } from '../../src/lint/lint.js';

const FIXTURES = fileURLToPath(new URL('fixtures/containerd/', import.meta.url));

async function lintFixture(name: string, target: ContainerdVersion): Promise<LintResult[]> {
  const { objects, problems } = await loadManifests([`${FIXTURES}${name}`]);
  assert.deepEqual(problems, []);
  return lintObjects(objects, { containerd: target });
}

const rules = (results: LintResult[]): Array<[string | null, string, string]> =>
  results.flatMap((r) => (r.advisories ?? []).map((a): [string | null, string, string] => [r.name, a.rule, a.field]));

/** A HostProcess pod with one container; `container` is merged into it. */
function pod(container: Record<string, unknown>, spec: Record<string, unknown> = {}): LintResult[] {
  return lintObjects([{
    file: 'pod.yaml', index: 0, line: 1,
    object: {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
      spec: {
        hostNetwork: true,
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\Local service' } },
        containers: [{ name: 'c', image: 'example.com/x:1', ...container }],
        ...spec,
      },
    },
  }], { containerd: '1.7' });
}

describe('containerd advisor on the upstream manifests', () => {
  test('flannel before sig-windows-tools #297: its ConfigMap script copies the flannel-cfg volume onto itself under 1.7', async () => {
    const results = await lintFixture('flannel-before-297.yaml', '1.7');
    assert.deepEqual(rules(results), [
      ['kube-flannel-ds-windows-amd64', 'containerd17-copy-onto-itself', 'spec.template.spec.containers[0].args (script configmap/kube-flannel-windows-cfg key run.ps1)'],
    ]);
    const advisory = results[1]?.advisories?.[0];
    assert.match(advisory?.message ?? '', /container "kube-flannel" copies \$env:CONTAINER_SANDBOX_MOUNT_POINT\/etc\/kube-flannel\/net-conf\.json onto \/etc\/kube-flannel\/net-conf\.json/);
    assert.match(advisory?.message ?? '', /https:\/\/github\.com\/kubernetes-sigs\/sig-windows-tools\/issues\/277/);
    assert.match(advisory?.message ?? '', /--mount-mode sandbox \(as containerd 1\.6\) or --mount-mode bind \(as 1\.7\)/);
    // The advice is a warning too, so text output and --server show it.
    assert.ok(results[1]?.warnings.some((w) => w.includes('containerd17-copy-onto-itself') || w.includes('copies $env:CONTAINER_SANDBOX_MOUNT_POINT')));
    assert.equal(results[1]?.valid, true);
  });

  test('kube-proxy before #297: Copy-Item -Path sandbox\\path -Destination C:\\path of the same volume', async () => {
    assert.deepEqual(rules(await lintFixture('kube-proxy-before-297.yaml', '1.7')), [
      ['kube-proxy-windows', 'containerd17-copy-onto-itself', 'spec.template.spec.containers[0].args'],
    ]);
  });

  test('calico for containerd 1.6: a copy into a readOnly hostPath, and a relative script with no workingDir (kubernetes #112885)', async () => {
    const results = await lintFixture('calico-3.23.yaml', '1.7');
    assert.deepEqual(rules(results), [
      ['calico-node-windows', 'containerd17-read-only-mount', 'spec.template.spec.initContainers[0].args'],
      ['calico-node-windows', 'containerd17-working-directory', 'spec.template.spec.containers[0].args'],
    ]);
    assert.match(results[0]?.advisories?.[1]?.message ?? '', /kubernetes\/kubernetes\/issues\/112885/);
    assert.match(results[0]?.advisories?.[0]?.message ?? '', /mounted readOnly at \/etc\/cni\/net\.d.*containerd\/containerd\/issues\/8090/);
  });

  test('the manifests as fixed for 1.7 get no advice under either target', async () => {
    assert.deepEqual(rules(await lintFixture('after-297.yaml', '1.7')), []);
    assert.deepEqual(rules(await lintFixture('after-297.yaml', '1.6')), []);
  });

  test('the 1.6 manifests get no advice when the target is 1.6: the host paths they write are meant', async () => {
    assert.deepEqual(rules(await lintFixture('flannel-before-297.yaml', '1.6')), []);
    assert.deepEqual(rules(await lintFixture('kube-proxy-before-297.yaml', '1.6')), []);
  });

  test('a pod written for 1.7 only: under 1.6 the token at /var/run/secrets (client-go #1302) and C:\\hpc are missing', async () => {
    const results = await lintFixture('for-1.7-only.yaml', '1.6');
    assert.deepEqual(rules(results), [
      ['node-tool', 'containerd16-volume-path', 'spec.containers[0].args'],
      ['node-tool', 'containerd16-hpc-path', 'spec.containers[0].args'],
      ['node-tool', 'containerd16-hpc-path', 'spec.containers[0].workingDir'],
    ]);
    assert.match(results[0]?.advisories?.[0]?.message ?? '', /client-go's in-cluster config.*https:\/\/github\.com\/kubernetes\/client-go\/issues\/1302/);
    // ... and nothing to say when the target is 1.7.
    assert.deepEqual(rules(await lintFixture('for-1.7-only.yaml', '1.7')), []);
  });

  test('without --containerd there is no advice at all', async () => {
    const { objects } = await loadManifests([`${FIXTURES}flannel-before-297.yaml`]);
    assert.deepEqual(lintObjects(objects).map((r) => r.advisories), [undefined, undefined]);
  });
});

describe('containerd advisor rules', () => {
  const copy = (script: string, mount: Record<string, unknown> = { name: 'v', mountPath: '/etc/app' }): string[] =>
    (pod({ command: ['powershell', '-Command', script], volumeMounts: [mount] }, { volumes: [{ name: 'v', configMap: { name: 'cm' } }] })[0]?.advisories ?? []).map((a) => a.rule);

  const cases: Array<[string, string, Record<string, unknown> | undefined, string[]]> = [
    ['cp sandbox/mount/file onto mount/file', 'cp $env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/a.json /etc/app/a.json', undefined, ['containerd17-copy-onto-itself']],
    ['cmd spelling and backslashes, different case', 'copy %CONTAINER_SANDBOX_MOUNT_POINT%\\ETC\\App\\a.json C:\\etc\\app\\', undefined, ['containerd17-copy-onto-itself']],
    ['quoted Copy-Item with named parameters', 'Copy-Item -Path "$env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/a.json" -Destination "/etc/app/b.json" -Force', undefined, ['containerd17-copy-onto-itself']],
    ['copy from the mount to elsewhere is fine', 'cp $env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/a.json /etc/other/a.json', undefined, []],
    ['copy from an image path onto the mount is fine (not the same file)', 'cp $env:CONTAINER_SANDBOX_MOUNT_POINT/bin/a.json /etc/app/a.json', undefined, []],
    ['the path only mentioned, not copied', 'Write-Host $env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/a.json /etc/app/a.json', undefined, []],
    ['a write into a readOnly mount', 'Set-Content -Path /etc/app/state -Value 1', { name: 'v', mountPath: '/etc/app', readOnly: true }, ['containerd17-read-only-mount']],
    ['a redirection into a readOnly mount through the sandbox', 'echo 1 > $env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/state', { name: 'v', mountPath: '/etc/app', readOnly: true }, ['containerd17-read-only-mount']],
    ['a read of a readOnly mount', 'Get-Content /etc/app/state', { name: 'v', mountPath: '/etc/app', readOnly: true }, []],
    ['a write into a writable mount', 'Set-Content -Path /etc/app/state -Value 1', undefined, []],
  ];
  for (const [name, script, mount, expected] of cases) {
    test(`1.7: ${name}`, () => assert.deepEqual(copy(script, mount), expected));
  }

  test('1.7: a relative program with workingDir set, or an absolute one, gets no working-directory advice', () => {
    const advised = (container: Record<string, unknown>): string[] => (pod(container)[0]?.advisories ?? []).map((a) => a.rule);
    assert.deepEqual(advised({ command: ['.\\wcnspectserv.exe'] }), ['containerd17-working-directory']);
    assert.deepEqual(advised({ command: ['powershell.exe', '-command', './wcnspectserv.exe'] }), ['containerd17-working-directory']);
    assert.deepEqual(advised({ command: ['cmd', '/c', '.\\start.cmd && echo ok'] }), ['containerd17-working-directory']);
    assert.deepEqual(advised({ command: ['./x.exe'], workingDir: '$env:CONTAINER_SANDBOX_MOUNT_POINT' }), []);
    assert.deepEqual(advised({ command: ['powershell.exe', '-command', '$env:CONTAINER_SANDBOX_MOUNT_POINT/x.exe'] }), []);
    assert.deepEqual(advised({ command: ['x.exe'] }), []);
  });

  test('a non-HostProcess container gets no advice', () => {
    const results = lintObjects([{
      file: 'pod.yaml', index: 0, line: 1,
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', command: ['./x'] }] } },
    }], { containerd: '1.7' });
    assert.equal(results[0]?.advisories, undefined);
  });

  test('1.6: a hostPath mounted at its own path is the same either way; automountServiceAccountToken: false has no token', () => {
    const advised16 = (container: Record<string, unknown>, spec: Record<string, unknown>): string[] => (lintObjects([{
      file: 'pod.yaml', index: 0, line: 1,
      object: {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
        spec: { hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } }, containers: [{ name: 'c', image: 'x', ...container }], ...spec },
      },
    }], { containerd: '1.6' })[0]?.advisories ?? []).map((a) => a.rule);
    const reads = { command: ['powershell', '-c', 'Get-Content /etc/cni/net.d/10.conf; Get-Content /var/run/secrets/kubernetes.io/serviceaccount/token'], volumeMounts: [{ name: 'cni', mountPath: '/etc/cni/net.d' }] };
    assert.deepEqual(advised16(reads, { volumes: [{ name: 'cni', hostPath: { path: 'C:\\etc\\cni\\net.d' } }] }), ['containerd16-volume-path']);
    assert.deepEqual(advised16(reads, { volumes: [{ name: 'cni', hostPath: { path: '/etc/cni/net.d' } }], automountServiceAccountToken: false }), []);
    assert.deepEqual(advised16(reads, { volumes: [{ name: 'cni', configMap: { name: 'x' } }], automountServiceAccountToken: false }), ['containerd16-volume-path']);
    assert.deepEqual(advised16({ env: [{ name: 'KUBECONFIG', value: 'C:\\var\\run\\secrets\\kubernetes.io\\serviceaccount\\kubeconfig' }] }, {}), ['containerd16-volume-path']);
  });
});

test('1.7: a copy onto the same file says so; one to another file of the volume says the host never gets it', () => {
  const message = (script: string): string => pod({ command: ['powershell', '-Command', script], volumeMounts: [{ name: 'v', mountPath: '/etc/app' }] }, { volumes: [{ name: 'v', configMap: { name: 'cm' } }] })[0]?.advisories?.[0]?.message ?? '';
  assert.match(message('cp $env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/a.json /etc/app/a.json'), /both paths are the same file/);
  assert.match(message('cp $env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/a.json /etc/app/'), /both paths are the same file/);
  assert.match(message('cp $env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/a.json /etc/app/b.json'), /\/etc\/app\/b\.json is inside the volume too, so the file never reaches the host/);
});
