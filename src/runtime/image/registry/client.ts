/**
 * A client of the OCI distribution API (`/v2/`), for pulling: resolve a tag or digest to a
 * manifest, and stream blobs. It answers authentication challenges itself, retries transient
 * failures, and picks HTTPS or plain HTTP:
 *
 * - HTTPS with verified certificates, by default;
 * - plain HTTP only, with `plainHttp` (`--plain-http`);
 * - for insecure registries (listed in hostpod's config, and loopback addresses, as docker
 *   treats them): HTTPS without certificate verification, falling back to plain HTTP when the
 *   registry does not speak TLS.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { isIP } from 'node:net';
import { HostpodError } from '../../../errors.js';
import { MANIFEST_ACCEPT } from '../oci.js';
import { authorize, parseChallenge } from './challenge.js';
import type { Credentials, CredentialStore } from './credentials.js';
import { DEFAULT_RETRY, HttpStatusError, readBody, request, withRetries, type RetryPolicy } from './transport.js';

const MANIFEST_SIZE_LIMIT = 4 << 20;
const TLS_FAILURE_CODES = new Set(['EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ECONNRESET', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

export interface RegistryOptions {
  plainHttp?: boolean;
  insecure?: boolean;
  credentials?: Credentials;
  retry?: RetryPolicy;
  onRetry?: (what: string, error: unknown, delayMs: number) => void;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  /** The digest the registry announced (Docker-Content-Digest), when it did. */
  announcedDigest: string | undefined;
}

/** True for registries on a loopback address, which docker treats as insecure by default. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** How a pull or a push reaches registries: the command line's and config's options. */
export interface RegistryAccess {
  plainHttp?: boolean;
  /** Registries (host[:port]) to reach without TLS verification, falling back to plain HTTP. */
  insecureRegistries?: readonly string[];
  credentials?: CredentialStore;
  retry?: RetryPolicy;
}

/** A client of `registry` as `access` says, telling `onRetry` of each retry. */
export function registryClientFor(registry: string, access: RegistryAccess, onRetry?: (what: string, error: unknown, delayMs: number) => void): RegistryClient {
  return new RegistryClient(registry, {
    plainHttp: access.plainHttp === true,
    insecure: (access.insecureRegistries ?? []).includes(registry) || isLoopbackRegistry(registry),
    ...(access.credentials ? { credentials: access.credentials.lookup(registry) } : {}),
    ...(access.retry ? { retry: access.retry } : {}),
    ...(onRetry ? { onRetry } : {}),
  });
}

export class RegistryClient {
  private scheme: 'https' | 'http';
  private readonly endpoint: string;
  private readonly tokens = new Map<string, string>();
  private readonly retry: RetryPolicy;
  private schemeSettled: boolean;

  constructor(
    readonly registry: string,
    private readonly options: RegistryOptions = {},
  ) {
    this.endpoint = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
    this.scheme = options.plainHttp ? 'http' : 'https';
    this.schemeSettled = options.plainHttp === true || !options.insecure;
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  /** GETs a manifest or index by tag or digest. */
  async manifest(repository: string, reference: string, shown: string): Promise<FetchedManifest> {
    return withRetries(
      this.retry,
      async () => {
        const response = await this.get(repository, `manifests/${reference}`, { accept: MANIFEST_ACCEPT }, shown);
        const bytes = await readBody(response, MANIFEST_SIZE_LIMIT, `the manifest of ${shown}`);
        const contentType = (response.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
        const announced = response.headers['docker-content-digest'];
        return { bytes, mediaType: contentType, announcedDigest: typeof announced === 'string' ? announced : undefined };
      },
      (error, delay) => this.options.onRetry?.(shown, error, delay),
    );
  }

  /** GETs a blob; the caller consumes (and verifies) the stream. */
  blob(repository: string, digest: string, shown: string): Promise<IncomingMessage> {
    return this.get(repository, `blobs/${digest}`, {}, shown);
  }

  /**
   * A request for a push, with a token for `repository:<repository>:pull,push`. `target` is a
   * path under the repository (`blobs/uploads/`) or an absolute URL a registry answered with (an
   * upload's Location). `body` is made again when the request is repeated after a 401. The
   * answer is returned whatever its status, except a 401 after authenticating.
   */
  async pushRequest(repository: string, method: 'HEAD' | 'POST' | 'PUT' | 'PATCH', target: string, headers: Record<string, string>, body: () => Buffer | Readable | undefined, shown: string): Promise<IncomingMessage> {
    const scope = `repository:${repository}:pull,push`;
    const url = /^https?:\/\//.test(target) ? target : target.startsWith('/') ? `${this.scheme}://${this.endpoint}${target}` : this.url(repository, target);
    const cached = this.tokens.get(scope);
    const attempt = async (authorization: string | undefined): Promise<IncomingMessage> => {
      const b = body();
      const all = { ...headers, ...(authorization ? { authorization } : {}) };
      try {
        const response = await request(url, { method, headers: all, insecureTls: this.options.insecure === true, ...(b !== undefined ? { body: b } : {}) });
        this.schemeSettled = true;
        return response;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (!this.schemeSettled && this.scheme === 'https' && TLS_FAILURE_CODES.has(code)) {
          this.scheme = 'http';
          this.schemeSettled = true;
          return this.pushRequest(repository, method, target.replace(/^https:/, 'http:'), headers, body, shown);
        }
        throw this.connectionError(error, url);
      }
    };
    let response = await attempt(cached);
    if (response.statusCode === 401) {
      const challenge = parseChallenge(String(response.headers['www-authenticate'] ?? ''));
      response.resume();
      const authorization = challenge ? await authorize(this.registry, challenge, scope, this.options.credentials, { insecureTls: this.options.insecure === true, allowPlainRealm: this.options.insecure === true || this.options.plainHttp === true }) : undefined;
      if (authorization === undefined) throw this.pushUnauthorized(shown);
      this.tokens.set(scope, authorization);
      response = await attempt(authorization);
      if (response.statusCode === 401) {
        response.resume();
        throw this.pushUnauthorized(shown);
      }
    }
    return response;
  }

  /** An answer a push did not expect, as an error (5xx and 429 are retried). */
  async pushFailure(response: IncomingMessage, shown: string, what: string): Promise<Error> {
    const body = await readBody(response, 64 << 10).catch(() => Buffer.alloc(0));
    const status = response.statusCode ?? 0;
    if (status === 403) {
      return new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `push access denied for ${shown}: registry ${this.registry} refused ${what} (HTTP 403)`, { hint: 'the credentials may pull but not push to this repository: check the account\'s rights' });
    }
    return this.statusError(status, body, shown, what);
  }

  private pushUnauthorized(shown: string): HostpodError {
    return new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `push access denied for ${shown}: the registry ${this.registry} requires authentication${this.options.credentials ? ' and refused the credentials' : ''}`, {
      hint: this.options.credentials
        ? 'check the user name and password stored for this registry (log in again)'
        : `log in (docker login ${this.registry}, podman login or skopeo login) or pass --authfile with credentials for ${this.registry}`,
    });
  }

  /** `https://host[:port]/`, as settled by the requests so far (for relative upload Locations). */
  baseUrl(): string {
    return `${this.scheme}://${this.endpoint}/`;
  }

  get retryPolicy(): RetryPolicy {
    return this.retry;
  }

  private url(repository: string, path: string): string {
    return `${this.scheme}://${this.endpoint}/v2/${repository}/${path}`;
  }

  /** A GET with authentication: the cached token first, the challenge's answer after a 401. */
  private async get(repository: string, path: string, { accept }: { accept?: string }, shown: string): Promise<IncomingMessage> {
    const scope = `repository:${repository}:pull`;
    const headers: Record<string, string> = accept ? { accept } : {};
    const cached = this.tokens.get(scope);
    let response = await this.send(this.url(repository, path), cached ? { ...headers, authorization: cached } : headers);
    if (response.statusCode === 401) {
      const challenge = parseChallenge(String(response.headers['www-authenticate'] ?? ''));
      response.resume();
      const authorization = challenge ? await authorize(this.registry, challenge, scope, this.options.credentials, { insecureTls: this.options.insecure === true, allowPlainRealm: this.options.insecure === true || this.options.plainHttp === true }) : undefined;
      if (authorization === undefined) throw this.unauthorized(shown);
      this.tokens.set(scope, authorization);
      response = await this.send(this.url(repository, path), { ...headers, authorization });
      if (response.statusCode === 401) {
        response.resume();
        throw this.unauthorized(shown);
      }
    }
    if (response.statusCode === 200) return response;
    const body = await readBody(response, 64 << 10).catch(() => Buffer.alloc(0));
    throw this.statusError(response.statusCode ?? 0, body, shown, path);
  }

  private async send(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
    const insecureTls = this.options.insecure === true;
    try {
      const response = await request(url, { headers, insecureTls });
      this.schemeSettled = true;
      return response;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!this.schemeSettled && this.scheme === 'https' && TLS_FAILURE_CODES.has(code)) {
        // An insecure registry that speaks plain HTTP: use that from now on.
        this.scheme = 'http';
        this.schemeSettled = true;
        return this.send(url.replace(/^https:/, 'http:'), headers);
      }
      throw this.connectionError(error, url);
    }
  }

  private connectionError(error: unknown, url: string): Error {
    const code = (error as NodeJS.ErrnoException).code;
    const message = (error as Error).message;
    const tlsHint = /certificate|self.signed|SSL|TLS/i.test(message) || (code !== undefined && code.startsWith('ERR_SSL'));
    return new HostpodError('ERR_HOSTPOD_REGISTRY_UNREACHABLE', `registry ${this.registry}: ${url}: ${message}`, {
      hint: tlsHint
        ? `for a registry without a trusted certificate, pass --plain-http if it speaks plain HTTP, or list it under registries.insecure in hostpod's config; a private CA can be added with NODE_EXTRA_CA_CERTS`
        : 'check the registry address and that it is running',
      cause: error,
    });
  }

  private unauthorized(shown: string): HostpodError {
    return new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `pull access denied for ${shown}: the registry ${this.registry} requires authentication${this.options.credentials ? ' and refused the credentials' : ''}`, {
      hint: this.options.credentials
        ? 'check the user name and password stored for this registry (log in again)'
        : `log in (docker login ${this.registry}, podman login or skopeo login) or pass --authfile with credentials for ${this.registry}`,
    });
  }

  private statusError(status: number, body: Buffer, shown: string, path: string): Error {
    let detail = '';
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
      detail = (parsed.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    } catch {
      detail = body.toString('utf8').trim().slice(0, 200);
    }
    if (status === 404) {
      const what = path.startsWith('manifests/') ? 'image' : `blob ${path.slice('blobs/'.length)} of`;
      return new HostpodError('ERR_HOSTPOD_IMAGE_NOT_FOUND', `${what} ${shown} not found in registry ${this.registry}${detail ? ` (${detail})` : ''}`, {
        hint: 'check the repository name and the tag or digest; private images also answer "not found" without credentials',
      });
    }
    if (status === 429 || status >= 500) return new HttpStatusError(status, `registry ${this.registry} answered HTTP ${status} for ${shown}${detail ? `: ${detail}` : ''}`);
    return new HostpodError('ERR_HOSTPOD_REGISTRY', `registry ${this.registry} answered HTTP ${status} for ${shown}${detail ? `: ${detail}` : ''}`);
  }
}
