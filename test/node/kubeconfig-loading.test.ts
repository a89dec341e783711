/**
 * The cluster found as kubectl finds it: --kubeconfig, else $KUBECONFIG's files merged, else
 * ~/.kube/config; --context, else the current one; and the context's namespace.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isHostpodError } from '../../src/errors.js';
import { selectCluster } from '../../src/node/kube-client/kubeconfig-loading.js';

const dir = mkdtempSync(join(tmpdir(), 'hostpod-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A kubeconfig of one cluster, user and context each (named by `name`), with a token. */
function kubeconfig(file: string, name: string, options: { current?: string; namespace?: string; server?: string; ca?: string } = {}): string {
  const path = join(dir, file);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: ${name}, cluster: {server: "${options.server ?? `https://${name}.example:6443`}"${options.ca ? `, certificate-authority: ${options.ca}` : ''}}}]`,
    `users: [{name: ${name}, user: {token: token-${name}}}]`,
    `contexts: [{name: ${name}, context: {cluster: ${name}, user: ${name}${options.namespace ? `, namespace: ${options.namespace}` : ''}}}]`,
    ...(options.current === undefined ? [] : [`current-context: "${options.current}"`]),
  ].join('\n'));
  return path;
}

const HOME = join(dir, 'home');
const homeConfig = kubeconfig('home/.kube/config', 'home', { current: 'home' });
const a = kubeconfig('a.yaml', 'a', { current: 'a', namespace: 'team-a' });
const b = kubeconfig('sub/b.yaml', 'b', { current: 'b', ca: 'ca.pem' });
writeFileSync(join(dir, 'sub', 'ca.pem'), 'the CA of b');

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isHostpodError(error), String(error));
    return `${error.code}: ${error.message} / ${error.hint ?? ''}`;
  }
  return 'no error';
}

describe('kubeconfig selection', () => {
  test('kubeconfig selection takes --kubeconfig over $KUBECONFIG and ~/.kube/config', () => {
    const selected = selectCluster({ kubeconfig: b }, { KUBECONFIG: a }, HOME);
    assert.equal(selected.context, 'b');
    assert.equal(selected.connection.server, 'https://b.example:6443');
    assert.equal(selected.source, b);
  });

  test('kubeconfig selection merges $KUBECONFIG as kubectl: missing files skipped, the first current-context wins, every context usable', () => {
    const selected = selectCluster({}, { KUBECONFIG: [join(dir, 'missing.yaml'), a, b].join(':') }, HOME);
    assert.equal(selected.context, 'a');
    assert.equal(selected.namespace, 'team-a');
    assert.equal(selected.connection.token?.(), 'token-a');
    const other = selectCluster({ context: 'b' }, { KUBECONFIG: `${a}:${b}` }, HOME);
    assert.equal(other.connection.server, 'https://b.example:6443');
    // Relative to the file that names it, as kubectl reads it.
    assert.equal(other.connection.ca, 'the CA of b');
  });

  test('kubeconfig selection falls back to ~/.kube/config, and to the namespace default', () => {
    const selected = selectCluster({}, {}, HOME);
    assert.equal(selected.context, 'home');
    assert.equal(selected.namespace, 'default');
    assert.equal(selected.source, homeConfig);
  });

  test('kubeconfig selection errors name what is missing and the fix', () => {
    assert.match(code(() => selectCluster({}, {}, join(dir, 'nobody'))), /^ERR_HOSTPOD_KUBECONFIG: no kubeconfig: .*\.kube\/config does not exist and KUBECONFIG is not set \/ pass --kubeconfig FILE, set KUBECONFIG/);
    assert.match(code(() => selectCluster({}, { KUBECONFIG: join(dir, 'missing.yaml') }, HOME)), /none of the files of KUBECONFIG .* exists/);
    assert.match(code(() => selectCluster({ kubeconfig: join(dir, 'missing.yaml') }, {}, HOME)), /--kubeconfig .*missing\.yaml: no such file/);
    assert.match(code(() => selectCluster({ kubeconfig: a, context: 'c' }, {}, HOME)), /context "c" is not defined \/ it defines "a": name one with --context/);
    const noCurrent = kubeconfig('no-current.yaml', 'x');
    assert.match(code(() => selectCluster({ kubeconfig: noCurrent }, {}, HOME)), /no current-context is set and no context was named/);
    const noFile = kubeconfig('no-ca.yaml', 'y', { current: 'y', ca: 'absent.pem' });
    assert.match(code(() => selectCluster({ kubeconfig: noFile }, {}, HOME)), /cluster "y": cannot read its certificate-authority .*absent\.pem/);
  });

  test('kubeconfig selection runs a user\'s credential plugin as kubectl: its command relative to the file, its env and KUBERNETES_EXEC_INFO', () => {
    const plugin = join(dir, 'plugins', 'get-token');
    mkdirSync(join(dir, 'plugins'), { recursive: true });
    writeFileSync(plugin, '#!/bin/sh\nprintf %s "$KUBERNETES_EXEC_INFO" > "$INFO_FILE"\nprintf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\' "token-$1"\n');
    chmodSync(plugin, 0o755);
    const info = join(dir, 'exec-info.json');
    const path = join(dir, 'exec.yaml');
    const user = (exec: string): string => [
      'apiVersion: v1', 'kind: Config', 'current-context: e',
      'clusters: [{name: e, cluster: {server: "https://e.example:6443", certificate-authority-data: "Q0E="}}]',
      `users: [{name: e, user: {exec: ${exec}}}]`, 'contexts: [{name: e, context: {cluster: e, user: e}}]',
    ].join('\n');
    writeFileSync(path, user(`{apiVersion: client.authentication.k8s.io/v1, command: ./plugins/get-token, args: [eks], env: [{name: INFO_FILE, value: "${info}"}], interactiveMode: Never, provideClusterInfo: true}`));
    const selected = selectCluster({ kubeconfig: path }, {}, HOME);
    assert.equal(selected.connection.token?.(), 'token-eks');
    assert.deepEqual(JSON.parse(readFileSync(info, 'utf8')), {
      apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: 'https://e.example:6443', 'certificate-authority-data': 'Q0E=' } },
    });

    writeFileSync(path, user('{apiVersion: client.authentication.k8s.io/v1, command: hostpod-no-such-plugin, interactiveMode: Never, installHint: "install it with: brew install no-such-plugin"}'));
    assert.match(code(() => selectCluster({ kubeconfig: path }, {}, HOME)), /the credential plugin of user "e" \(hostpod-no-such-plugin\) is not installed \(not found on PATH\) \/ install it with: brew install no-such-plugin$/);
    writeFileSync(path, user('{apiVersion: client.authentication.k8s.io/v1, command: /bin/false, interactiveMode: Never}'));
    assert.match(code(() => selectCluster({ kubeconfig: path }, {}, HOME)), /the credential plugin of user "e" \(\/bin\/false\) failed \(exit status 1\) \/ run the plugin by hand/);
  });
});
