// Runs the real Debian `docker-registry` (distribution 2.8) on 127.0.0.1 for tests, optionally behind
// htpasswd basic auth, a bearer-token server implemented here, and/or TLS; pushes images with skopeo.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { accessSync, constants as fsConstants, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequestRaw } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { request as httpsRequestRaw } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify as toYaml } from 'yaml';

export type AuthMode = 'none' | 'basic' | 'token';

export interface RegistryOptions {
  auth?: AuthMode;
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1 (see `caFile`). The token server stays on HTTP. */
  tls?: boolean;
}

export interface Registry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http://127.0.0.1:PORT" or "https://…" */
  url: string;
  auth: AuthMode;
  username?: string;
  password?: string;
  /** PEM of the registry's self-signed certificate (tls only). */
  caFile?: string;
  /** The token server's endpoint and the service name the registry expects (token only). */
  tokenRealm?: string;
  service?: string;
  /** Root directory of the registry's filesystem storage driver. */
  storageDir: string;
  /** Where the registry keeps a blob's bytes, e.g. to corrupt or inspect it. */
  blobDataPath(digest: string): string;
  /** Request lines ("GET /v2/x/blobs/sha256:…") from the access log, oldest first; excludes this module's own probes. */
  requests(): string[];
  /** Like `requests()`, but first waits until the access log has caught up with every response already received. */
  settledRequests(): Promise<string[]>;
  /** Forget the requests seen so far. */
  clearRequests(): void;
  /** How many requests reached the token server (token only; 0 otherwise). */
  tokenRequests(): number;
  /** Every `scope` the token server was asked for, in order. */
  tokenScopes(): string[];
  /** Kills the registry and token server and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PushOptions {
  /**
   * Let skopeo (re)compress layers into this format (`--dest-compress-format`). Only dependable for layer
   * content this registry has not seen before: skopeo prefers reusing a blob it already pushed in any
   * compression. To get a specific compression reliably, build the layer with it in writeOciLayout instead.
   */
  destCompress?: 'gzip' | 'zstd';
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Tools the registry suite needs on PATH. */
export const REGISTRY_TOOLS: readonly string[] = ['docker-registry', 'skopeo', 'htpasswd', 'openssl'];

const SERVICE = 'hostpod-test-registry';
const ISSUER = 'hostpod-test-token-issuer';
const USERNAME = 'hostpod';
// Marks this module's own requests so requests() can leave them out.
const INTERNAL_AGENT = 'hostpod-test-support';
const START_ATTEMPTS = 5;
// Sent by the registry on every response (config http.headers); lower case as node reports it.
const INSTANCE_HEADER = 'x-hostpod-registry-instance';
const READY_TIMEOUT_MS = 15_000;

/** Why the registry suite cannot run here (missing tools), or undefined when it can. */
export function missingRegistryTools(tools: readonly string[] = REGISTRY_TOOLS): string | undefined {
  const missing = tools.filter((tool) => !onPath(tool));
  return missing.length === 0 ? undefined : `not on PATH: ${missing.join(', ')}`;
}

export function skopeoAvailable(): boolean {
  return missingRegistryTools(['docker-registry', 'skopeo']) === undefined;
}

/**
 * For `test(name, { skip: registrySkip() }, …)`: the reason to skip when tools are missing, but never
 * skip in CI, where a missing tool must fail the suite instead of silently passing it.
 */
export function registrySkip(tools: readonly string[] = REGISTRY_TOOLS): string | false {
  if (inCi()) return false;
  return missingRegistryTools(tools) ?? false;
}

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Registry lifecycle

const live = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;

// A test that forgets stop() must not leave registries running or temp dirs behind.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const { child, dir } of live) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const auth = options.auth ?? 'none';
  const dir = await mkdtemp(join(tmpdir(), 'hostpod-registry-'));
  const storageDir = join(dir, 'storage');
  // Hex, so it never starts with '-' and gets taken for an option by htpasswd.
  const password = randomBytes(9).toString('hex');
  let tokenServer: TokenServer | undefined;
  try {
    const authConfig = await prepareAuth(auth, dir, password, (server) => (tokenServer = server));
    const tls = options.tls ? await generateCertificate(dir, 'tls', '127.0.0.1', 'IP:127.0.0.1') : undefined;
    const ca = tls ? await readFile(tls.certFile) : undefined;
    const started = await launch(dir, (port, instance) => ({
      version: 0.1,
      log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
      storage: { filesystem: { rootdirectory: storageDir }, delete: { enabled: true } },
      http: {
        addr: `127.0.0.1:${port}`,
        secret: randomBytes(16).toString('hex'),
        headers: { [INSTANCE_HEADER]: [instance] },
        ...(tls ? { tls: { certificate: tls.certFile, key: tls.keyFile } } : {}),
      },
      ...(authConfig ? { auth: authConfig } : {}),
    }), tls !== undefined, ca);
    return makeRegistry({ auth, dir, storageDir, password, tokenServer, caFile: tls?.certFile, ca, ...started });
  } catch (err) {
    await tokenServer?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function prepareAuth(
  auth: AuthMode,
  dir: string,
  password: string,
  onTokenServer: (server: TokenServer) => void,
): Promise<Record<string, unknown> | undefined> {
  switch (auth) {
    case 'none':
      return undefined;
    case 'basic': {
      const path = join(dir, 'htpasswd');
      const { stdout } = await run('htpasswd', ['-Bbn', USERNAME, password], password);
      await writeFile(path, stdout);
      return { htpasswd: { realm: SERVICE, path } };
    }
    case 'token': {
      const signing = await generateCertificate(dir, 'token', ISSUER);
      const server = await startTokenServer({ username: USERNAME, password, ...signing });
      onTokenServer(server);
      return { token: { realm: server.realm, service: SERVICE, issuer: ISSUER, rootcertbundle: signing.certFile } };
    }
  }
}

interface Started {
  child: ChildProcess;
  port: number;
  output: OutputBuffer;
}

/** Starts docker-registry on a free port, retrying when another process grabs the port first. */
async function launch(
  dir: string,
  config: (port: number, instance: string) => Record<string, unknown>,
  tls: boolean,
  ca: Buffer | undefined,
): Promise<Started> {
  const configPath = join(dir, 'config.yml');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const instance = randomBytes(8).toString('hex');
    await writeFile(configPath, toYaml(config(port, instance)));
    const output = new OutputBuffer();
    const child = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'], env: registryEnv() });
    output.attach(child);
    live.add({ child, dir });
    installExitHook();
    try {
      await waitUntilReady(child, output, `${tls ? 'https' : 'http'}://127.0.0.1:${port}/v2/`, instance, ca);
      return { child, port, output };
    } catch (err) {
      await stopChild(child);
      forget(child);
      const portTaken = output.stderr.includes('address already in use');
      if (!portTaken || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

// distribution overrides its config from REGISTRY_* variables; keep the test's config authoritative.
function registryEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')));
}

function forget(child: ChildProcess): void {
  for (const entry of live) if (entry.child === child) live.delete(entry);
}

async function waitUntilReady(
  child: ChildProcess,
  output: OutputBuffer,
  url: string,
  instance: string,
  ca: Buffer | undefined,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (output.spawnError) throw new Error(`cannot run docker-registry: ${output.spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry exited (${child.exitCode ?? child.signalCode}):\n${output.stderr}`);
    }
    const response = await httpRequest(url, { ca, headers: { 'user-agent': INTERNAL_AGENT } }).catch(() => undefined);
    // Whoever won the race for the port may be another registry: only our instance header counts.
    const ours = response?.headers[INSTANCE_HEADER] === instance;
    if (ours && (response.status === 200 || response.status === 401)) return;
    await sleep(50);
  }
  throw new Error(`docker-registry did not answer ${url} within ${READY_TIMEOUT_MS} ms:\n${output.stderr}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  const running = child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  if (!running) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A port nobody listened on a moment ago; the caller must cope with losing the race for it. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

interface RegistryParts extends Started {
  auth: AuthMode;
  dir: string;
  storageDir: string;
  password: string;
  tokenServer: TokenServer | undefined;
  caFile: string | undefined;
  ca: Buffer | undefined;
}

function makeRegistry(parts: RegistryParts): Registry {
  const { auth, dir, storageDir, child, output, tokenServer, caFile, ca } = parts;
  const host = `127.0.0.1:${parts.port}`;
  const url = `${caFile ? 'https' : 'http'}://${host}`;
  let sentinels = 0;
  let stopped: Promise<void> | undefined;

  const settledRequests = async (): Promise<string[]> => {
    // distribution logs a request as soon as its handler returns, which is before (or, for a body that
    // was already flushed, just after) the client sees the end of the response. So once a request sent
    // after those responses shows up in the log, their lines are there too.
    const marker = `log-sentinel=${++sentinels}`;
    await httpRequest(`${url}/v2/?${marker}`, { ca, headers: { 'user-agent': INTERNAL_AGENT } });
    const deadline = Date.now() + 5_000;
    while (!output.stdout.includes(marker)) {
      if (Date.now() > deadline) throw new Error('access log line for the sentinel request never appeared');
      await sleep(10);
    }
    return output.requests();
  };

  const stop = async (): Promise<void> => {
    await stopChild(child);
    await tokenServer?.close();
    await rm(dir, { recursive: true, force: true });
    // Only now, so that the exit hook still cleans up if the process dies half-way through stop().
    forget(child);
  };

  return {
    host,
    url,
    auth,
    ...(auth === 'none' ? {} : { username: USERNAME, password: parts.password }),
    ...(caFile ? { caFile } : {}),
    ...(tokenServer ? { tokenRealm: tokenServer.realm, service: SERVICE } : {}),
    storageDir,
    blobDataPath: (digest) => blobDataPath(storageDir, digest),
    requests: () => output.requests(),
    settledRequests,
    clearRequests: () => output.clearRequests(),
    tokenRequests: () => tokenServer?.count() ?? 0,
    tokenScopes: () => tokenServer?.scopes() ?? [],
    stop: () => (stopped ??= stop()),
  };
}

function blobDataPath(storageDir: string, digest: string): string {
  const match = /^([a-z0-9]+):([a-f0-9]{2})([a-f0-9]+)$/.exec(digest);
  if (!match) throw new Error(`not a digest: ${digest}`);
  const [, algorithm = '', prefix = '', rest = ''] = match;
  return join(storageDir, 'docker', 'registry', 'v2', 'blobs', algorithm, prefix, prefix + rest, 'data');
}

// distribution 2.8 writes an Apache combined-format access log to stdout, one line per response:
//   127.0.0.1 - - [24/Nov/2026:08:40:11 +0000] "GET /v2/foo/manifests/x HTTP/1.1" 404 91 "" "curl/7.88.1"
// Its own logrus messages (text formatter) go to stderr.
const ACCESS_LINE = /^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+) [^"]*" \d+ \S+ ".*" "((?:[^"\\]|\\.)*)"$/;

class OutputBuffer {
  stdout = '';
  stderr = '';
  spawnError: Error | undefined;
  private skipLines = 0;

  attach(child: ChildProcess): void {
    child.on('error', (err) => (this.spawnError = err));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
  }

  requests(): string[] {
    const lines = this.completeLines();
    const result: string[] = [];
    for (const line of lines.slice(this.skipLines)) {
      const match = ACCESS_LINE.exec(line);
      if (match && match[3] !== INTERNAL_AGENT) result.push(`${match[1]} ${match[2]}`);
    }
    return result;
  }

  clearRequests(): void {
    this.skipLines = this.completeLines().length;
  }

  private completeLines(): string[] {
    const end = this.stdout.lastIndexOf('\n');
    return end < 0 ? [] : this.stdout.slice(0, end).split('\n');
  }
}

// ---------------------------------------------------------------------------------------------
// Token server (the "realm" of distribution's token auth)

interface TokenServer {
  realm: string;
  count(): number;
  scopes(): string[];
  close(): Promise<void>;
}

interface TokenServerOptions {
  username: string;
  password: string;
  keyFile: string;
  certFile: string;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

const TOKEN_TTL_SECONDS = 300;

async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const key = createPrivateKey(await readFile(options.keyFile));
  // distribution 2.8 finds the signing key through the x5c chain and checks it against rootcertbundle.
  const certDer = new X509Certificate(await readFile(options.certFile)).raw.toString('base64');
  let requests = 0;
  const scopes: string[] = [];

  const server = createHttpServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    if (url.pathname !== '/token') return sendError(res, 404, 'NOT_FOUND', 'not found');
    // Only the GET flow of the token spec; the OAuth2 POST flow is not offered.
    if (req.method !== 'GET') return sendError(res, 405, 'UNSUPPORTED', 'use GET', { Allow: 'GET' });
    const requested = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter((s) => s !== '');
    scopes.push(...requested);
    if (!hasCredentials(req, options.username, options.password)) {
      return sendError(res, 401, 'UNAUTHORIZED', 'authentication required', { 'WWW-Authenticate': 'Basic realm="hostpod-test-token"' });
    }
    // Strict, like real token servers: a client must echo the service from the registry's challenge.
    if (url.searchParams.get('service') !== SERVICE) {
      return sendError(res, 400, 'INVALID_REQUEST', `service must be "${SERVICE}", as in the challenge`);
    }
    const access = requested.map(parseScope).filter((a): a is Access => a !== undefined);
    const token = signToken(key, certDer, { subject: options.username, service: SERVICE, access });
    sendJson(res, 200, { token, access_token: token, expires_in: TOKEN_TTL_SECONDS, issued_at: new Date().toISOString() });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    count: () => requests,
    scopes: () => [...scopes],
    close: () => closeServer(server),
  };
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
}

function hasCredentials(req: IncomingMessage, username: string, password: string): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return false;
  return Buffer.from(match[1], 'base64').toString('utf8') === `${username}:${password}`;
}

/** "repository:NAME:pull,push"; NAME may itself contain ':' (a registry host with a port). */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  const actions = scope.slice(last + 1).split(',').filter((a) => a !== '');
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

function signToken(key: KeyObject, certDer: string, claims: { subject: string; service: string; access: Access[] }): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer] };
  const payload = {
    iss: ISSUER,
    sub: claims.subject,
    aud: claims.service,
    iat: now,
    nbf: now - 10,
    exp: now + TOKEN_TTL_SECONDS,
    jti: randomBytes(8).toString('hex'),
    access: claims.access,
  };
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  // JWS ES256 wants the raw r||s signature, not DER.
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ code, message }] }, headers);
}

// ---------------------------------------------------------------------------------------------
// Pushing with skopeo

/**
 * Copies `source` (a skopeo transport string such as "oci:/path/layout:tag") to `ref` ("name:tag") in the
 * registry and returns the digest of the manifest (or index) as pushed.
 *
 * Without `destCompress` the push uses --preserve-digests, so what lands in the registry is byte-for-byte the
 * source (uncompressed layers stay uncompressed, digests match writeOciLayout's). Otherwise skopeo may rewrite
 * layers, and its blob-info cache (/var/lib/containers/cache for root) may substitute blobs it has seen before.
 */
export async function push(registry: Registry, source: string, ref: string, options: PushOptions = {}): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'hostpod-push-'));
  try {
    const digestFile = join(scratch, 'digest');
    const args = ['--insecure-policy', '--command-timeout', '120s', 'copy', '--all', '--quiet', '--dest-tls-verify=false'];
    args.push('--digestfile', digestFile);
    if (registry.username !== undefined && registry.password !== undefined) {
      args.push('--dest-creds', `${registry.username}:${registry.password}`);
    }
    if (options.destCompress) args.push('--dest-compress-format', options.destCompress);
    else args.push('--preserve-digests');
    args.push(source, `docker://${registry.host}/${ref}`);
    await run('skopeo', args, registry.password);
    return (await readFile(digestFile, 'utf8')).trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Small process / crypto / HTTP helpers

/** Runs a command to completion; `secret` is masked in the error message. */
async function run(command: string, args: readonly string[], secret?: string): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) {
    const commandLine = [command, ...args].join(' ');
    const shown = secret ? commandLine.replaceAll(secret, '***') : commandLine;
    throw new Error(`${shown} failed (exit ${code}):\n${stderr.trim()}`);
  }
  return { stdout, stderr };
}

/** Self-signed P-256 certificate (also usable as its own CA) and key, written as PEM into `dir`. */
async function generateCertificate(
  dir: string,
  name: string,
  commonName: string,
  subjectAltName?: string,
): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await run('openssl', [
    'req', '-x509', '-nodes', '-days', '2',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${commonName}`,
    ...(subjectAltName ? ['-addext', `subjectAltName=${subjectAltName}`] : []),
  ]);
  return { certFile, keyFile };
}

/** A plain GET/HEAD over http or https (with an optional CA), without following redirects. */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; ca?: Buffer | string } = {},
): Promise<HttpResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequestRaw : httpRequestRaw;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: options.method ?? 'GET', headers: options.headers, ca: options.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
