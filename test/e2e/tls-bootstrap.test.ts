/**
 * Joining a real cluster as a kubelet joins (issue 15): `hostpod agent --bootstrap-kubeconfig`
 * files a client CSR with a bootstrap token, the real controller manager approves and signs it,
 * the agent writes its kubeconfig and registers its Node within the Node authorizer and
 * NodeRestriction; and the errors an operator meets say what is wrong.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { issueCertificate } from '../../src/pki.js';
import { startCertificateRotation } from '../../src/node/bootstrap/certificate-rotation.js';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { eventually, kubectl, kubectlSkip } from '../support/controlplane.js';
import { HOSTPOD_BIN } from '../support/hostpod-cli.js';
import { removeAllContainers } from '../support/hostpod-up.js';
import { componentVersions, realClusterSkip } from '../support/kube-binaries.js';
import { startRealCluster, type RealCluster } from '../support/real-cluster.js';
import { removeCgroupDirs, rootSkip } from '../support/runtime.js';

const skip = rootSkip() || realClusterSkip() || kubectlSkip('1.33');

function tokenKubeconfig(server: string, ca: string, token: string): string {
  return stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'bootstrap',
    clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
    users: [{ name: 'tls-bootstrap-token-user', user: { token } }],
    contexts: [{ name: 'bootstrap', context: { cluster: 'c', user: 'tls-bootstrap-token-user' } }],
  });
}

/** The certificate a TLS server on 127.0.0.1:`port` serves, verified against `ca` for that address; or why it is refused. */
function servedCertificate(port: number, ca: string): Promise<X509Certificate | Error> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      resolve(cert ?? new Error('no certificate'));
    });
    socket.once('error', (error: Error) => resolve(error));
  });
}

interface Agent {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** The agents' cgroup subtree: the test's own, not a real installation's `hostpod`. */
const CGROUP_ROOT = `hostpod-tls-${process.pid}`;
const CONFIG = join(mkdtempSync(join(tmpdir(), 'hostpod-tls-config-')), 'config.yaml');
writeFileSync(CONFIG, stringify({ runtime: { cgroup: { root: CGROUP_ROOT } } }));

function startAgent(args: string[]): Agent {
  const child = spawn(process.execPath, [HOSTPOD_BIN, 'agent', '--config', CONFIG, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

describe('TLS bootstrapping against the real control plane', { skip, timeout: 480_000 }, () => {
  let cluster: RealCluster;
  const base = mkdtempSync(join(tmpdir(), 'hostpod-bootstrap-'));
  const agents: Agent[] = [];
  before(async () => {
    process.stdout.write(`# ${componentVersions().split('\n').join('\n# ')}\n`);
    cluster = await startRealCluster();
  });
  after(async () => {
    for (const a of agents) a.child.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.exited));
    for (const dir of ['n1', 'n2']) await removeAllContainers(join(base, dir), CGROUP_ROOT);
    removeCgroupDirs(CGROUP_ROOT);
    rmSync(dirname(CONFIG), { recursive: true, force: true });
    await cluster?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  test('hostpod agent --bootstrap-kubeconfig gets a client certificate through a CSR and joins as system:node:NAME', async () => {
    const bootstrap = join(base, 'bootstrap.kubeconfig');
    writeFileSync(bootstrap, tokenKubeconfig(cluster.server, cluster.files.ca.cert, cluster.bootstrapToken));
    const kubeconfig = join(base, 'n1', 'kubelet.kubeconfig');
    const agent = startAgent(['--bootstrap-kubeconfig', bootstrap, '--kubeconfig', kubeconfig, '--data-dir', join(base, 'n1'), '--node-name', 'n1',
      '--address', '127.0.0.1', '--kubelet-address', '127.0.0.1', '--kubelet-port', '0']);
    agents.push(agent);
    await eventually(() => (agent.output().includes('hostpod: node n1 joined') ? true : undefined), 60_000, 'the agent to join');
    const k = kubectl('1.33', cluster.kubeconfig);
    const csrs = (await k('get', 'csr', '-o', 'jsonpath={range .items[*]}{.spec.signerName} {.spec.username} {.status.conditions[0].type}{"\\n"}{end}')).stdout;
    assert.match(csrs, /^kubernetes\.io\/kube-apiserver-client-kubelet system:bootstrap:hpod01 Approved$/m);
    // The kubeconfig it wrote names a certificate for system:node:n1 in system:nodes, from the cluster CA.
    const written = parse(readFileSync(kubeconfig, 'utf8')) as { users: { user: { 'client-certificate': string } }[] };
    const cert = new X509Certificate(readFileSync(written.users[0]!.user['client-certificate']));
    assert.match(cert.subject, /O=system:nodes/);
    assert.match(cert.subject, /CN=system:node:n1/);
    assert.ok(cert.checkIssued(new X509Certificate(cluster.files.ca.cert)));
    const ready = await eventually(async () => {
      const out = (await k('get', 'node', 'n1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')).stdout;
      return out === 'True' ? out : undefined;
    }, 60_000, 'node n1 Ready');
    assert.equal(ready, 'True');
    assert.doesNotMatch(agent.output(), /forbidden|\b403\b/i, 'the agent stays within the Node authorizer and NodeRestriction');
  });

  test('--rotate-server-certificates: the kubelet endpoint serves a certificate from a kubelet-serving CSR an operator approves, kept across restarts', async () => {
    const bootstrap = join(base, 'bootstrap-n2.kubeconfig');
    writeFileSync(bootstrap, tokenKubeconfig(cluster.server, cluster.files.ca.cert, cluster.bootstrapToken));
    const args = ['--bootstrap-kubeconfig', bootstrap, '--kubeconfig', join(base, 'n2', 'kubelet.kubeconfig'), '--data-dir', join(base, 'n2'), '--node-name', 'n2',
      '--address', '127.0.0.1', '--kubelet-address', '127.0.0.1', '--kubelet-port', '0', '--rotate-server-certificates'];
    let agent = startAgent(args);
    agents.push(agent);
    const port = Number(await eventually(() => /hostpod: node n2 joined .*on port (\d+)/.exec(agent.output())?.[1], 60_000, 'the agent to join'));
    const served = (): Promise<X509Certificate | Error> => servedCertificate(port, cluster.files.ca.cert);
    const k = kubectl('1.33', cluster.kubeconfig);
    const csr = await eventually(async () => {
      const out = (await k('get', 'csr', '-o', 'jsonpath={range .items[?(@.spec.signerName=="kubernetes.io/kubelet-serving")]}{.metadata.name} {.spec.username} {.spec.usages}{"\\n"}{end}')).stdout;
      return /^(\S+) system:node:n2 \["digital signature","server auth"\]$/m.exec(out)?.[1];
    }, 30_000, 'the kubelet-serving CSR');
    assert.match(agent.output(), new RegExp(`approve it with kubectl certificate approve ${csr}`));
    // Not approved yet: the endpoint serves its self-signed certificate, which the cluster CA does not vouch for.
    assert.match(String(await served()), /self[- ]signed|unable to verify/i);
    const approved = await k('certificate', 'approve', csr);
    assert.equal(approved.code, 0, approved.stderr);
    const cert = await eventually(async () => {
      const result = await served();
      return result instanceof X509Certificate ? result : undefined;
    }, 30_000, 'the cluster-signed certificate to be served');
    assert.match(cert.subject, /CN=system:node:n2/);
    assert.match(cert.subject, /O=system:nodes/);
    assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.match(cert.subjectAltName ?? '', /DNS:n2/);

    // A restart serves the kept certificate at once, with no new request.
    agent.child.kill('SIGTERM');
    await agent.exited;
    agent = startAgent(args);
    agents.push(agent);
    const again = Number(await eventually(() => /hostpod: node n2 joined .*on port (\d+)/.exec(agent.output())?.[1], 60_000, 'the agent to join again'));
    const kept = await servedCertificate(again, cluster.files.ca.cert);
    assert.ok(kept instanceof X509Certificate, String(kept));
    assert.equal(kept.fingerprint256, cert.fingerprint256);
    const requests = (await k('get', 'csr', '-o', 'jsonpath={range .items[?(@.spec.signerName=="kubernetes.io/kubelet-serving")]}{.metadata.name}{"\\n"}{end}')).stdout.trim().split('\n');
    assert.deepEqual(requests, [csr]);
    assert.doesNotMatch(agent.output(), /forbidden|\b403\b/i);
  });

  test('the client certificate is renewed with a CSR of its own before it expires, and used at once', async () => {
    // A certificate with 90 s of life (from a minute ago): due for renewal at 70% of it, in a few seconds.
    const short = await issueCertificate(cluster.files.ca, { commonName: 'system:node:rot', organizations: ['system:nodes'], usage: 'client', validDays: 30 / 86_400 });
    const client = new KubeClient({ server: cluster.server, ca: cluster.files.ca.cert, insecureSkipTlsVerify: false, clientCert: short.cert, clientKey: short.key });
    const dir = mkdtempSync(join(base, 'rotate-'));
    const logs: string[] = [];
    const stop = startCertificateRotation(client, { nodeName: 'rot', kubeconfig: join(dir, 'kubelet.kubeconfig'), certDir: dir, random: () => 0, log: (_level, message) => logs.push(message) });
    try {
      await eventually(() => (client.connection.clientCert !== short.cert ? true : undefined), 30_000, `the rotation (${logs.join('; ')})`);
    } finally {
      stop();
    }
    const renewed = new X509Certificate(client.connection.clientCert ?? '');
    assert.match(renewed.subject, /CN=system:node:rot/);
    assert.ok(Date.parse(renewed.validTo) > Date.now() + 3600_000, `the renewed certificate lasts (until ${renewed.validTo})`);
    const written = parse(readFileSync(join(dir, 'kubelet.kubeconfig'), 'utf8')) as { users: { user: { 'client-certificate': string } }[] };
    assert.equal(readFileSync(written.users[0]!.user['client-certificate'], 'utf8'), client.connection.clientCert);
    // The renewal was the node's own request, approved as a node renewing itself.
    const k = kubectl('1.33', cluster.kubeconfig);
    const csrs = (await k('get', 'csr', '-o', 'jsonpath={range .items[*]}{.spec.username} {.status.conditions[0].reason}{"\\n"}{end}')).stdout;
    assert.match(csrs, /^system:node:rot AutoApproved$/m);
    // And the client speaks with it: the node may read its own Node (absent: 404, not 401 or 403).
    await assert.rejects(client.get('/api/v1/nodes/rot'), (error: Error & { code?: number }) => error.code === 404);
    client.close();
  });

  const failures: [string, () => { bootstrap: string; extra?: string[] }, RegExp][] = [
    ['a wrong bootstrap token', () => ({ bootstrap: tokenKubeconfig(cluster.server, cluster.files.ca.cert, 'hpod01.wrongwrongwrongw') }), /refused the bootstrap credentials \(401 Unauthorized\): the token is wrong, expired or deleted/],
    ['an unreachable API server', () => ({ bootstrap: tokenKubeconfig('https://127.0.0.1:1', cluster.files.ca.cert, cluster.bootstrapToken) }), /cannot reach the API server https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/],
    ['no credentials at all', () => ({ bootstrap: '', extra: [] }), /node n9 has no credentials: .*does not exist[\s\S]*--bootstrap-kubeconfig/],
  ];
  for (const [what, setup, message] of failures) {
    test(`hostpod agent with ${what} exits with a clear error`, async () => {
      const { bootstrap } = setup();
      const dir = mkdtempSync(join(base, 'fail-'));
      const args = ['--kubeconfig', join(dir, 'kubelet.kubeconfig'), '--data-dir', dir, '--node-name', 'n9', '--address', '127.0.0.1', '--kubelet-address', '127.0.0.1', '--kubelet-port', '0'];
      if (bootstrap !== '') {
        writeFileSync(join(dir, 'bootstrap.kubeconfig'), bootstrap);
        args.push('--bootstrap-kubeconfig', join(dir, 'bootstrap.kubeconfig'));
      }
      const agent = startAgent(args);
      agents.push(agent);
      assert.equal(await agent.exited, 1, agent.output());
      assert.match(agent.output(), message);
    });
  }

  test('hostpod agent whose client certificate expired: without a bootstrap kubeconfig it exits saying so; with one it bootstraps again', async () => {
    const dir = mkdtempSync(join(base, 'expired-'));
    const kubeconfig = join(dir, 'kubelet.kubeconfig');
    // Issued two days ago for one day.
    const old = await issueCertificate(cluster.files.ca, { commonName: 'system:node:n8', organizations: ['system:nodes'], usage: 'client', validDays: 1 }, new Date(Date.now() - 2 * 86_400_000));
    writeFileSync(kubeconfig, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'n8',
      clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': Buffer.from(cluster.files.ca.cert).toString('base64') } }],
      users: [{ name: 'n8', user: { 'client-certificate-data': Buffer.from(old.cert).toString('base64'), 'client-key-data': Buffer.from(old.key).toString('base64') } }],
      contexts: [{ name: 'n8', context: { cluster: 'c', user: 'n8' } }],
    }));
    const args = ['--kubeconfig', kubeconfig, '--data-dir', dir, '--node-name', 'n8', '--address', '127.0.0.1', '--kubelet-address', '127.0.0.1', '--kubelet-port', '0'];
    const refused = startAgent(args);
    agents.push(refused);
    assert.equal(await refused.exited, 1, refused.output());
    assert.match(refused.output(), new RegExp(`node n8 has no credentials: the client certificate in ${kubeconfig.replaceAll('.', '\\.')} expired at \\d{4}-`));
    assert.match(refused.output(), /--bootstrap-kubeconfig/);

    writeFileSync(join(dir, 'bootstrap.kubeconfig'), tokenKubeconfig(cluster.server, cluster.files.ca.cert, cluster.bootstrapToken));
    const renewed = startAgent([...args, '--bootstrap-kubeconfig', join(dir, 'bootstrap.kubeconfig')]);
    agents.push(renewed);
    await eventually(() => (renewed.output().includes('hostpod: node n8 joined') ? true : undefined), 60_000, 'the agent to bootstrap again');
    const written = parse(readFileSync(kubeconfig, 'utf8')) as { users: { user: { 'client-certificate': string } }[] };
    assert.ok(Date.parse(new X509Certificate(readFileSync(written.users[0]!.user['client-certificate'])).validTo) > Date.now());
    renewed.child.kill('SIGTERM');
    await renewed.exited;
  });

  test('hostpod agent whose CSR is denied exits naming the CSR and the reason', async () => {
    // A token whose group kubeadm does not auto-approve: its CSR waits for an operator, who denies it.
    const k = kubectl('1.33', cluster.kubeconfig);
    const secret = await cluster.call('POST', '/api/v1/namespaces/kube-system/secrets', {
      apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: 'bootstrap-token-manual', namespace: 'kube-system' },
      stringData: { 'token-id': 'manual', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', 'auth-extra-groups': 'system:bootstrappers:manual' },
    });
    assert.equal(secret.status, 201, secret.body);
    const binding = await cluster.call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'manual-bootstrap' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-bootstrapper' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:bootstrappers:manual' }],
    });
    assert.equal(binding.status, 201, binding.body);
    const dir = mkdtempSync(join(base, 'deny-'));
    writeFileSync(join(dir, 'bootstrap.kubeconfig'), tokenKubeconfig(cluster.server, cluster.files.ca.cert, 'manual.0123456789abcdef'));
    const agent = startAgent(['--bootstrap-kubeconfig', join(dir, 'bootstrap.kubeconfig'), '--kubeconfig', join(dir, 'kubelet.kubeconfig'), '--data-dir', dir,
      '--node-name', 'n8', '--address', '127.0.0.1', '--kubelet-address', '127.0.0.1', '--kubelet-port', '0']);
    agents.push(agent);
    const csr = await eventually(() => /"csr":"(node-csr-[a-z0-9x]+)"/.exec(agent.output())?.[1], 30_000, 'the CSR to be filed');
    const denied = await k('certificate', 'deny', csr);
    assert.equal(denied.code, 0, denied.stderr);
    assert.equal(await agent.exited, 1, agent.output());
    assert.match(agent.output(), new RegExp(`certificate signing request ${csr} \\(kubernetes.io/kube-apiserver-client-kubelet\\) was denied`));
  });
});
