/**
 * `hostpod webhook` registered with the test suite's real kube-apiserver (1.36) through the
 * webhook configurations of deploy/webhook/ (a URL on 127.0.0.1 in place of the Service, and the
 * test CA as caBundle): the real kubectl sees a HostProcess pod denied with the webhook's message,
 * an advised one admitted with "Warning:" lines, the mutating defaults on the created object, and
 * a certificate rotated on disk served to the API server without a restart.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { createCa, issueCertificate, type KeyPair } from '../../src/pki.js';
import { normalizeWebhookConfig } from '../../src/webhook/index.js';
import { eventually, kubectl, kubectlSkip, type Kubectl } from '../support/controlplane.js';
import { HOSTPOD_BIN } from '../support/hostpod-cli.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { freePort, startRealCluster, type RealCluster } from '../support/real-cluster.js';

const skip = realClusterSkip() || kubectlSkip('1.33');
const ROOT = join(import.meta.dirname, '../..');

const CONFIG = `apiVersion: hostpod.io/v1alpha1
kind: WebhookConfiguration
validate:
  noRunAsUserName: deny
  systemWithoutJustification: warn
  noResourceLimits: warn
  containerd17: warn
timeoutSeconds: 5
mutate:
  nodeSelector: {kubernetes.io/os: windows}
  tolerations: [{key: os, operator: Equal, value: windows, effect: NoSchedule}]
`;

function pod(name: string, user: string | undefined, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, ...extra },
    spec: {
      hostNetwork: true,
      securityContext: { windowsOptions: { hostProcess: true, ...(user === undefined ? {} : { runAsUserName: user }) } },
      containers: [{ name: 'agent', image: 'registry.example.com/agent:1' }],
    },
  });
}

/** The serial number of the certificate served at 127.0.0.1:`port`. */
function servedSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber.toUpperCase();
}

describe('hostpod webhook with the real kube-apiserver', { skip, timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-webhook-e2e-'));
  const ns = `wh-${randomBytes(3).toString('hex')}`;
  let cluster: RealCluster;
  let k: Kubectl;
  let ca: KeyPair;
  let port: number;
  let webhook: ChildProcess;
  let stderr = '';
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');

  /** Writes a fresh serving pair for 127.0.0.1 as a Secret volume would appear: each file renamed into place. */
  const writePair = async (): Promise<KeyPair> => {
    const pair = await issueCertificate(ca, { commonName: 'hostpod-webhook', usage: 'server', hosts: ['127.0.0.1'] });
    writeFileSync(`${keyFile}.new`, pair.key, { mode: 0o600 });
    writeFileSync(`${certFile}.new`, pair.cert);
    renameSync(`${keyFile}.new`, keyFile);
    renameSync(`${certFile}.new`, certFile);
    return pair;
  };

  before(async () => {
    cluster = await startRealCluster({ controllers: false });
    k = kubectl('1.33', cluster.kubeconfig);
    ca = await createCa();
    await writePair();
    writeFileSync(join(dir, 'webhook.yaml'), CONFIG);
    port = await freePort();
    webhook = spawn(process.execPath, [HOSTPOD_BIN, 'webhook', '--cert', certFile, '--key', keyFile, '--config', join(dir, 'webhook.yaml'), '--address', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    webhook.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    await eventually(() => new Promise<true | undefined>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', ca: ca.cert, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? true : undefined);
      });
      req.once('error', () => resolve(undefined));
      req.end();
    }), 15_000, `the webhook's /healthz (stderr: ${stderr})`);

    // deploy/webhook/webhooks.yaml as it is, but for the URL and the CA.
    const documents = parseAllDocuments(readFileSync(join(ROOT, 'deploy/webhook/webhooks.yaml'), 'utf8')).map((d) => d.toJS() as { webhooks: { clientConfig: Record<string, unknown> }[] });
    for (const document of documents) {
      for (const hook of document.webhooks) {
        const path = (hook.clientConfig['service'] as { path: string }).path;
        hook.clientConfig = { url: `https://127.0.0.1:${port}${path}`, caBundle: Buffer.from(ca.cert).toString('base64') };
      }
    }
    writeFileSync(join(dir, 'webhooks.yaml'), documents.map((d) => stringify(d)).join('---\n'));
    const applied = await k('apply', '-f', join(dir, 'webhooks.yaml'));
    assert.equal(applied.code, 0, applied.stderr);
    for (const args of [['create', 'namespace', ns], ['create', 'serviceaccount', 'default', '-n', ns]]) {
      const created = await k(...args);
      assert.equal(created.code, 0, created.stderr);
    }
  });

  after(async () => {
    if (webhook && webhook.exitCode === null) {
      const gone = new Promise((resolve) => webhook.once('exit', resolve));
      webhook.kill('SIGTERM');
      await gone;
    }
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = (name: string, manifest: string): Promise<{ code: number; stdout: string; stderr: string }> => {
    writeFileSync(join(dir, `${name}.json`), manifest);
    return k('create', '-n', ns, '-f', join(dir, `${name}.json`));
  };

  test('webhook denies a HostProcess pod without runAsUserName through the real kubectl, naming the field and the fix', async (t) => {
    // The API server picks the configuration up from its informer: until then pods pass unchecked.
    const denied = await eventually(async () => {
      const result = await create(`bad-${randomBytes(2).toString('hex')}`, pod('bad', undefined));
      if (result.code === 0) {
        await k('delete', 'pod', 'bad', '-n', ns, '--wait=false');
        return undefined;
      }
      return result;
    }, 30_000, 'the validating webhook to be called');
    t.diagnostic(`$ kubectl create -f bad.json\n${denied.stderr.trim()}`);
    assert.match(denied.stderr, new RegExp(`admission webhook "validate\\.hostpod\\.io" denied the request: Pod ${ns}/bad is refused by hostpod's HostProcess policy: ` +
      'spec\\.containers\\[0\\] \\("agent"\\) has no runAsUserName, so it runs as the image\'s user: set spec\\.securityContext\\.windowsOptions\\.runAsUserName'));
    const deployment = JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'agents' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: (JSON.parse(pod('x', undefined)) as { spec: unknown }).spec } },
    });
    const workload = await create('deployment', deployment);
    assert.notEqual(workload.code, 0, workload.stdout);
    assert.match(workload.stderr, new RegExp(`denied the request: Deployment ${ns}/agents is refused .*spec\\.template\\.spec\\.containers\\[0\\] \\("agent"\\) has no runAsUserName`));
  });

  test('webhook admits an advised HostProcess pod with Warning lines on kubectl\'s stderr, and the mutating defaults on the object', async (t) => {
    const result = await create('advised', pod('advised', 'NT AUTHORITY\\SYSTEM'));
    t.diagnostic(`$ kubectl create -f advised.json\n${result.stderr.trim()}\n${result.stdout.trim()}`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /pod\/advised created/);
    assert.match(result.stderr, new RegExp(`^Warning: Pod ${ns}/advised: spec\\.containers\\[0\\] \\("agent"\\) runs as NT AUTHORITY\\\\SYSTEM.*hostpod\\.io/system-justification`, 'm'));
    assert.match(result.stderr, new RegExp(`^Warning: Pod ${ns}/advised: spec\\.containers\\[0\\] \\("agent"\\) has no cpu or memory limit`, 'm'));
    const got = await k('get', 'pod', 'advised', '-n', ns, '-o', 'json');
    assert.equal(got.code, 0, got.stderr);
    const spec = (JSON.parse(got.stdout) as { spec: { nodeSelector?: Record<string, string>; tolerations?: Record<string, unknown>[] } }).spec;
    assert.deepEqual(spec.nodeSelector, { 'kubernetes.io/os': 'windows' });
    assert.ok(spec.tolerations?.some((t) => t['key'] === 'os' && t['value'] === 'windows' && t['effect'] === 'NoSchedule' && t['operator'] === 'Equal'), JSON.stringify(spec.tolerations));
    // A justified SYSTEM pod gets no SYSTEM warning.
    const justified = await create('justified', pod('justified', 'NT AUTHORITY\\SYSTEM', { annotations: { 'hostpod.io/system-justification': 'installs the storage driver' } }));
    assert.equal(justified.code, 0, justified.stderr);
    assert.doesNotMatch(justified.stderr, /runs as NT AUTHORITY/);
  });

  test('webhook warns through the real kubectl about a container that copies its volume onto itself, which containerd 1.7 breaks', async (t) => {
    const manifest = JSON.parse(pod('copier', 'NT AUTHORITY\\Local service')) as { spec: { volumes?: unknown[]; containers: Record<string, unknown>[] } };
    manifest.spec.volumes = [{ name: 'config', configMap: { name: 'app-config' } }];
    Object.assign(manifest.spec.containers[0]!, {
      command: ['powershell.exe', '-Command'],
      args: ['cp $env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/a.json /etc/app/a.json; ./agent.exe'],
      volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
      resources: { limits: { cpu: '1', memory: '100Mi' } },
    });
    const result = await create('copier', JSON.stringify(manifest));
    t.diagnostic(`$ kubectl create -f copier.json\n${result.stderr.trim()}\n${result.stdout.trim()}`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`^Warning: Pod ${ns}/copier: spec\\.containers\\[0\\]\\.args.*copies \\$env:CONTAINER_SANDBOX_MOUNT_POINT/etc/app/a\\.json onto /etc/app/a\\.json.*sig-windows-tools/issues/277.*\\[hostpod containerd17\\]$`, 'm'));
    assert.doesNotMatch(result.stderr, /no cpu or memory limit|NT AUTHORITY\\SYSTEM/);
  });

  test('webhook manifests of deploy/webhook are accepted by the real API server as they are', async () => {
    // The namespace for real (a dry run creates nothing its objects could go in), the rest as a server-side dry run.
    const namespace = await k('apply', '-f', join(ROOT, 'deploy/webhook/namespace.yaml'));
    assert.equal(namespace.code, 0, namespace.stderr);
    for (const file of ['configmap.yaml', 'deployment.yaml', 'webhooks.yaml']) {
      const dry = await k('apply', '--dry-run=server', '-f', join(ROOT, 'deploy/webhook', file));
      assert.equal(dry.code, 0, `${file}: ${dry.stderr}`);
      assert.match(dry.stdout, /\(server dry run\)/);
    }
    // The configuration in the ConfigMap is one the webhook starts with.
    const configMap = parseAllDocuments(readFileSync(join(ROOT, 'deploy/webhook/configmap.yaml'), 'utf8'))[0]?.toJS() as { data: Record<string, string> };
    const config = normalizeWebhookConfig(parse(configMap.data['webhook.yaml'] ?? ''), 'configmap.yaml');
    assert.equal(config.validate.noRunAsUserName, 'deny');
    assert.deepEqual(config.mutate.nodeSelector, { 'kubernetes.io/os': 'windows' });
  });

  test('webhook serves a certificate rotated on disk to the API server without a restart', async () => {
    const before = await servedSerial(port, ca.cert);
    const next = await writePair();
    const wanted = serialOf(next.cert);
    assert.notEqual(wanted, before.toUpperCase());
    await eventually(async () => ((await servedSerial(port, ca.cert)).toUpperCase() === wanted ? true : undefined), 15_000, 'the new certificate to be served');
    const result = await create('after-rotation', pod('after-rotation', 'NT AUTHORITY\\SYSTEM'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Warning: .*after-rotation: spec\.containers\[0\] \("agent"\) runs as NT AUTHORITY\\SYSTEM/m);
    const denied = await create('bad-after-rotation', pod('bad-after-rotation', undefined));
    assert.match(denied.stderr, /denied the request: Pod .*\/bad-after-rotation is refused/);
    assert.match(stderr, /"msg":"serving certificate reloaded"/);
    assert.equal(webhook.exitCode, null, 'the webhook still runs');
  });
});
