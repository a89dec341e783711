/**
 * Test support for the control plane: one started in a temporary directory, a small HTTPS client
 * speaking to it, the real kubectl binaries, and a stand-in for the node agent (issue 6) that
 * plays the kubelet's part through the API: it marks pods on its node running and ready, and
 * confirms their graceful deletion.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ControlPlane } from '../../src/controlplane/control-plane.js';
import { KubeClient } from '../../src/node/kube-client/client.js';
import { issueCertificate } from '../../src/pki.js';
import { inCi } from './runtime.js';

export interface StartedPlane {
  plane: ControlPlane;
  dir: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

export async function startControlPlane(options: { bookmarkIntervalMs?: number; compactionIntervalMs?: number; podGcQuarantineMs?: number; allowPrivileged?: boolean; metricResolutionMs?: number } = {}): Promise<StartedPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'hostpod-cp-'));
  const plane = await ControlPlane.start({ dataDir: dir, host: '127.0.0.1', port: 0, ...options });
  return {
    plane, dir, kubeconfig: plane.paths.kubeconfig,
    async stop() {
      await plane.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): Record<string, unknown>;
}

/** A client of the control plane with a node's certificate from its CA: `system:node:NAME` in `system:nodes`. */
export async function nodeClient(plane: ControlPlane, name: string): Promise<KubeClient> {
  const pair = await issueCertificate(plane.pki.ca, { commonName: `system:node:${name}`, organizations: ['system:nodes'], usage: 'client' });
  return new KubeClient({ server: plane.url, ca: plane.pki.ca.cert, insecureSkipTlsVerify: false, clientCert: pair.cert, clientKey: pair.key });
}

/** One HTTPS request to the control plane, with the admin token unless `token` says otherwise (null: none). */
export function api(plane: ControlPlane, method: string, path: string, options: { body?: unknown; token?: string | null; contentType?: string; accept?: string; headers?: Record<string, string | string[]> } = {}): Promise<ApiResponse> {
  const url = new URL(path, plane.url);
  const token = options.token === undefined ? plane.tokens.adminToken : options.token;
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' || Buffer.isBuffer(options.body) ? options.body : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      ca: plane.pki.ca.cert,
      headers: {
        ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
        ...(payload === undefined ? {} : { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }),
        ...(options.accept ? { Accept: options.accept } : {}),
        ...options.headers,
      },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Waits until `check` returns a value (not undefined), polling. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The directory of the versioned kubectl binaries (kubectl.1.27 ... kubectl.1.33), if installed. */
export function kubectlDir(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (existsSync(join(dir, 'kubectl'))) {
      try {
        return dirname(execFileSync('readlink', ['-f', join(dir, 'kubectl')], { encoding: 'utf8' }).trim());
      } catch {
        return dir;
      }
    }
  }
  return undefined;
}

/** Why kubectl tests cannot run here, or undefined. Under CI=true they must run. */
export function kubectlSkip(version: string): string | false {
  const dir = kubectlDir();
  if (dir && existsSync(join(dir, `kubectl.${version}`))) return false;
  if (inCi()) throw new Error(`kubectl.${version} is not installed, and CI needs it: install kubectl ${version} next to kubectl`);
  return `kubectl.${version} is not installed`;
}

export interface Kubectl {
  (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  version: string;
  /** The binary and the arguments every run starts with, for callers that spawn it themselves. */
  binary: string;
  baseArgs: string[];
}

/** The kubectl discovery caches this process made: they go when it exits (a test file makes several and keeps none). */
const kubectlCaches = new Set<string>();
process.once('exit', () => {
  for (const cache of kubectlCaches) rmSync(cache, { recursive: true, force: true });
});

/** The real kubectl of `version`, against the plane's admin kubeconfig, with its own discovery cache. */
export function kubectl(version: string, kubeconfig: string): Kubectl {
  const binary = join(kubectlDir() ?? '', `kubectl.${version}`);
  const cache = mkdtempSync(join(tmpdir(), `hostpod-kubectl-${version}-`));
  kubectlCaches.add(cache);
  const baseArgs = [`--kubeconfig=${kubeconfig}`, `--cache-dir=${cache}`];
  const run = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(binary, [...baseArgs, ...args], { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
  return Object.assign(run, { version, binary, baseArgs });
}
