/**
 * The webhook's HTTPS server in process: /healthz, its answers to bad requests, the time budget
 * from the API server's ?timeout=, the certificate reload (and a half-written pair that keeps the
 * old one), and clients that misbehave.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { createCa, issueCertificate, type KeyPair } from '../../src/pki.js';
import { normalizeWebhookConfig, startWebhookServer, type Advisor, type WebhookServer } from '../../src/webhook/index.js';

const REVIEW = {
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  request: {
    uid: 'abc', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'ops', name: 'hp',
    object: {
      metadata: { name: 'hp' },
      spec: { hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true } }, containers: [{ name: 'a', image: 'a', command: ['slow'] }] },
    },
  },
};

describe('webhook server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-webhook-server-'));
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  const logs: { level: string; message: string }[] = [];
  let ca: KeyPair;
  let server: WebhookServer;

  const writePair = (pair: KeyPair): void => {
    writeFileSync(`${keyFile}.tmp`, pair.key);
    writeFileSync(`${certFile}.tmp`, pair.cert);
    renameSync(`${keyFile}.tmp`, keyFile);
    renameSync(`${certFile}.tmp`, certFile);
  };
  const call = (method: string, path: string, body?: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, ca: ca.cert, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
  const served = (): Promise<string> => new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port, ca: ca.cert }, () => {
      resolve(socket.getPeerCertificate().serialNumber.toUpperCase());
      socket.end();
    });
    socket.once('error', reject);
  });
  // Slow only for containers whose command is "slow": the budget cuts it off.
  const slow: Advisor = (spec) => new Promise((resolve) => setTimeout(() => resolve([]), spec.containers[0]?.command?.[0] === 'slow' ? 3000 : 0));

  before(async () => {
    ca = await createCa();
    writePair(await issueCertificate(ca, { commonName: 'webhook', usage: 'server', hosts: ['127.0.0.1'] }));
    server = await startWebhookServer({
      certFile, keyFile, host: '127.0.0.1', port: 0, certCheckIntervalMs: 100, advisors: [slow],
      config: normalizeWebhookConfig({ onTimeout: 'deny', validate: { noRunAsUserName: 'warn', noResourceLimits: 'off' } }, 'webhook.yaml'),
      log: (level, message) => logs.push({ level, message }),
    });
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('webhook server answers /healthz', async () => {
    assert.deepEqual(await call('GET', '/healthz'), { status: 200, body: 'ok' });
  });

  const bad: [string, string, string | undefined, number, RegExp][] = [
    ['an unknown path', 'POST', undefined, 404, /no \/other here: the webhook serves \/validate, \/mutate and \/healthz/],
    ['a GET of /validate', 'GET', undefined, 405, /GET \/validate: an AdmissionReview is POSTed/],
    ['a body that is not JSON', 'POST', '{"apiVersion":', 400, /the body is not JSON .*: expected an AdmissionReview/],
    ['an AdmissionReview v1beta1', 'POST', JSON.stringify({ ...REVIEW, apiVersion: 'admission.k8s.io/v1beta1' }), 400, /admissionReviewVersions: \["v1"\]/],
    ['a pod whose containers are a number', 'POST', JSON.stringify({ ...REVIEW, request: { ...REVIEW.request, object: { spec: { containers: 1, securityContext: { windowsOptions: { hostProcess: true } } } } } }), 400, /cannot be read as a Pod/],
  ];
  for (const [name, method, body, status, message] of bad) {
    test(`webhook server answers ${name} with ${status} and a clear message`, async () => {
      const response = await call(method, name === 'an unknown path' ? '/other' : '/validate', body);
      assert.equal(response.status, status, response.body);
      assert.match(response.body, message);
    });
  }

  test('webhook server answers within the API server\'s ?timeout=, per onTimeout', async () => {
    const started = Date.now();
    const response = await call('POST', '/validate?timeout=1s', JSON.stringify(REVIEW));
    assert.ok(Date.now() - started < 2000, `answered after ${Date.now() - started} ms`);
    assert.equal(response.status, 200);
    const review = JSON.parse(response.body) as { apiVersion: string; kind: string; response: { uid: string; allowed: boolean; status: { code: number; message: string } } };
    assert.equal(review.apiVersion, 'admission.k8s.io/v1');
    assert.equal(review.response.uid, 'abc');
    assert.equal(review.response.allowed, false);
    assert.match(review.response.status.message, /did not finish reviewing Pod ops\/hp within 800 ms \(onTimeout: deny\)/);
  });

  test('webhook server answers a fast review with its warnings', async () => {
    const fast = structuredClone(REVIEW);
    fast.request.object.spec.containers[0]!.command = ['run'];
    const response = await call('POST', '/validate', JSON.stringify(fast));
    const review = JSON.parse(response.body) as { response: { allowed: boolean; warnings: string[] } };
    assert.equal(review.response.allowed, true);
    assert.equal(review.response.warnings.length, 1);
    assert.match(review.response.warnings[0] ?? '', /^Pod ops\/hp: spec\.containers\[0\] \("a"\) has no runAsUserName/);
  });

  test('webhook server survives clients that break off or send garbage', async () => {
    await new Promise<void>((resolve) => {
      const socket = netConnect(server.port, '127.0.0.1', () => socket.end('GET / HTTP/1.1\r\n\r\n'));
      socket.on('close', () => resolve()).on('error', () => resolve());
    });
    await new Promise<void>((resolve) => {
      // A request whose body stops short, then a client that goes away.
      const socket = connect({ host: '127.0.0.1', port: server.port, ca: ca.cert }, () => {
        socket.write('POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"', () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve()).on('error', () => resolve());
    });
    assert.deepEqual(await call('GET', '/healthz'), { status: 200, body: 'ok' });
    assert.deepEqual(logs.filter((l) => l.level === 'error'), [], 'a client that goes away is no error of the server');
  });

  test('webhook server reloads its certificate when the files change, and keeps the old one for a pair that does not match', async () => {
    const before = await served();
    const other = await issueCertificate(ca, { commonName: 'webhook', usage: 'server', hosts: ['127.0.0.1'] });
    const third = await issueCertificate(ca, { commonName: 'webhook', usage: 'server', hosts: ['127.0.0.1'] });
    // The certificate of one pair with the key of another: not served.
    writeFileSync(`${certFile}.tmp`, other.cert);
    renameSync(`${certFile}.tmp`, certFile);
    const deadline = Date.now() + 5000;
    while (!logs.some((l) => l.message.includes('not reloaded')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(logs.some((l) => l.level === 'warn' && l.message === 'serving certificate not reloaded; the previous one stays'));
    assert.equal(await served(), before);
    writePair(third);
    const wanted = new X509Certificate(third.cert).serialNumber.toUpperCase();
    while ((await served()) !== wanted && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await served(), wanted);
    assert.deepEqual(await call('GET', '/healthz'), { status: 200, body: 'ok' });
  });

  test('webhook server refuses to start on a key that does not match its certificate, naming both files', async () => {
    const other = await issueCertificate(ca, { commonName: 'x', usage: 'server', hosts: ['127.0.0.1'] });
    const wrongKey = join(dir, 'wrong.key');
    writeFileSync(wrongKey, other.key);
    await assert.rejects(
      startWebhookServer({ certFile, keyFile: wrongKey, host: '127.0.0.1', port: 0, config: normalizeWebhookConfig({}, 'x'), log: () => undefined }),
      (error: Error & { code?: string }) => error.code === 'ERR_HOSTPOD_WEBHOOK_TLS' && error.message.includes(`--cert ${certFile} and --key ${wrongKey}`),
    );
  });
});
