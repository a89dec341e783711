/**
 * `hostpod agent --kubeconfig FILE`: the agent alone joins a cluster as a node, through the API
 * only (here `hostpod up --no-node` plays the other cluster), with the node's own client
 * certificate; the cluster's pods for that node run here, and `kubectl logs` reaches them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { stringify } from 'yaml';
import { issueCertificate } from '../../src/pki.js';
import { eventually, kubectl, kubectlSkip } from '../support/controlplane.js';
import { HOSTPOD_BIN } from '../support/hostpod-cli.js';
import { removeAllContainers, startUp, type UpProcess } from '../support/hostpod-up.js';
import { rootSkip } from '../support/runtime.js';

const base = mkdtempSync(join(tmpdir(), 'hostpod-join-'));
const cluster = join(base, 'cluster');
const nodeData = join(base, 'node');
let up: UpProcess | undefined;
let agent: ReturnType<typeof spawn> | undefined;
after(async () => {
  agent?.kill('SIGTERM');
  await up?.stop();
  await removeAllContainers(nodeData);
  rmSync(base, { recursive: true, force: true });
});

test('hostpod agent --kubeconfig joins a cluster and runs its pods', { skip: rootSkip() || kubectlSkip('1.33'), timeout: 120_000 }, async () => {
  up = await startUp(cluster, 18100 + Math.floor(Math.random() * 300), ['--no-node']);
  const k = kubectl('1.33', up.kubeconfig);
  const ca = { cert: readFileSync(join(cluster, 'pki', 'ca.crt'), 'utf8'), key: readFileSync(join(cluster, 'pki', 'ca.key'), 'utf8') };
  const client = await issueCertificate(ca, { commonName: 'system:node:joiner', organizations: ['system:nodes'], usage: 'client' });
  const serving = await issueCertificate(ca, { commonName: 'system:node:joiner', usage: 'server', hosts: ['127.0.0.1'] });
  const server = (await k('config', 'view', '-o', 'jsonpath={.clusters[0].cluster.server}')).stdout;
  const kubeconfig = join(base, 'node.kubeconfig');
  writeFileSync(kubeconfig, stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
    clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': Buffer.from(ca.cert).toString('base64') } }],
    users: [{ name: 'node', user: { 'client-certificate-data': Buffer.from(client.cert).toString('base64'), 'client-key-data': Buffer.from(client.key).toString('base64') } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'node' } }],
  }));
  writeFileSync(join(base, 'kubelet.crt'), serving.cert);
  writeFileSync(join(base, 'kubelet.key'), serving.key);
  agent = spawn(process.execPath, [HOSTPOD_BIN, 'agent', '--kubeconfig', kubeconfig, '--data-dir', nodeData, '--node-name', 'joiner', '--address', '127.0.0.1',
    '--kubelet-port', '0', '--kubelet-cert', join(base, 'kubelet.crt'), '--kubelet-key', join(base, 'kubelet.key')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  agent.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  agent.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  await eventually(() => (out.includes('hostpod: node joiner joined') ? true : undefined), 30_000, `the agent to join (${out})`);

  const nodes = (await k('get', 'nodes', '-o', 'custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status,RUNTIME:.status.nodeInfo.containerRuntimeVersion', '--no-headers')).stdout;
  assert.match(nodes, /^joiner\s+True\s+hostpod:\/\/\d+\.\d+\.\d+/m);
  const taints = (await k('get', 'node', 'joiner', '-o', 'jsonpath={.spec.taints}')).stdout;
  assert.deepEqual(JSON.parse(taints), [{ key: 'hostpod.io/hostprocess', value: 'true', effect: 'NoSchedule' }], 'a joined hostpod node keeps ordinary pods off with its taint');
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'joined', namespace: 'default' },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': 'joiner' },
      tolerations: [{ key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' }],
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
      hostNetwork: true, terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', command: ['/bin/sh', '-c', 'echo hello from the joined node; sleep 600'] }],
    },
  };
  writeFileSync(join(base, 'pod.json'), JSON.stringify(pod));
  assert.equal((await k('apply', '-f', join(base, 'pod.json'))).code, 0);
  await eventually(async () => ((await k('get', 'pod', 'joined', '--no-headers')).stdout.match(/1\/1\s+Running/) ? true : undefined), 30_000, 'Running');
  const logs = await eventually(async () => {
    const result = await k('logs', 'joined');
    return result.stdout.includes('hello') ? result.stdout : undefined;
  }, 10_000, 'the log');
  assert.equal(logs, 'hello from the joined node\n');
  assert.equal((await k('delete', 'pod', 'joined')).code, 0);
});
