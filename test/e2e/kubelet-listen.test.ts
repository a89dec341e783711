/**
 * Where the node's kubelet endpoint listens: on the address `hostpod up --listen` serves the API
 * on (loopback stays loopback), or where `--kubelet-address` says; and the Node reports an
 * address the API server's log and exec proxy reaches it at.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hostIP } from '../../src/runtime/index.js';
import { eventually, kubectl, kubectlSkip } from '../support/controlplane.js';
import { runHostpod } from '../support/hostpod-cli.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

const skip = rootSkip() || kubectlSkip('1.33');
const base = mkdtempSync(join(tmpdir(), 'hostpod-kubelet-listen-'));
const running: { up: UpProcess; dir: string }[] = [];
after(async () => {
  for (const { up, dir } of running) {
    await up.stop();
    await removeAllContainers(dir);
  }
  rmSync(base, { recursive: true, force: true });
});

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function start(name: string, extra: string[] = []) {
  const dir = join(base, name);
  const up = await startUp(dir, 18500 + Math.floor(Math.random() * 400), extra);
  running.push({ up, dir });
  const k = kubectl('1.33', up.kubeconfig);
  const node = JSON.parse((await k('get', 'nodes', '-o', 'json')).stdout) as { items: { status: { addresses: { type: string; address: string }[]; daemonEndpoints: { kubeletEndpoint: { Port: number } } } }[] };
  const status = node.items[0]!.status;
  return { k, dir, internalIP: status.addresses.find((a) => a.type === 'InternalIP')?.address, port: status.daemonEndpoints.kubeletEndpoint.Port };
}

describe('the kubelet endpoint\'s address', { skip, timeout: 300_000 }, () => {
  const external = hostIP();

  test('follows --listen: with the API on loopback the endpoint is on loopback only, and kubectl logs still reaches it', async () => {
    const { k, dir, internalIP, port } = await start('loopback');
    assert.equal(internalIP, '127.0.0.1', 'the Node reports the address its endpoint listens on');
    assert.equal(await accepts('127.0.0.1', port), true);
    if (external !== '127.0.0.1') assert.equal(await accepts(external, port), false, `the endpoint must not listen on ${external}`);
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hello', namespace: 'default' },
      spec: {
        securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
        hostNetwork: true, terminationGracePeriodSeconds: 1, restartPolicy: 'Never',
        containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', 'echo hello from loopback'] }],
      },
    };
    writeFileSync(join(dir, 'pod.json'), JSON.stringify(pod));
    assert.equal((await k('apply', '-f', join(dir, 'pod.json'))).code, 0);
    const logs = await eventually(async () => {
      const result = await k('logs', 'hello');
      return result.stdout.includes('hello') ? result.stdout : undefined;
    }, 30_000, 'the log through the API server');
    assert.equal(logs, 'hello from loopback\n');
  });

  test('--kubelet-address 0.0.0.0 listens on every address; the Node reports the host\'s', { skip: external === '127.0.0.1' && 'this host has no address but loopback' }, async () => {
    const { internalIP, port } = await start('everywhere', ['--kubelet-address', '0.0.0.0']);
    assert.equal(internalIP, external);
    assert.equal(await accepts(external, port), true);
  });

  test('hostpod agent refuses a kubelet address the node\'s reported address does not reach', async () => {
    const kubeconfig = join(base, 'any.kubeconfig');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1", certificate-authority-data: ""}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n');
    const result = await runHostpod(['agent', '--kubeconfig', kubeconfig, '--client-ca-file', kubeconfig, '--data-dir', join(base, 'agent'), '--address', '10.11.12.13', '--kubelet-address', '127.0.0.1']);
    assert.equal(result.code, 2, `flags that contradict each other are a usage error (src/cli/exit-codes.ts): ${result.stderr}`);
    assert.match(result.stderr, /error: the kubelet endpoint would listen on 127\.0\.0\.1, but the node reports 10\.11\.12\.13/);
  });
});
