/**
 * Registry authentication (the distribution spec's token flow, and basic auth): parse the
 * WWW-Authenticate challenge of a 401, then either send credentials directly (Basic) or trade
 * them at the token service for a bearer token scoped to the repository (Bearer).
 */
import { HostpodError } from '../../../errors.js';
import type { Credentials } from './credentials.js';
import type { IncomingMessage } from 'node:http';
import { HttpStatusError, readBody, request, type RequestOptions } from './transport.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth",service="registry",scope="repository:x:pull"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const paramPattern = /([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const p of (match[2] ?? '').matchAll(paramPattern)) {
    params[(p[1] ?? '').toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: (match[1] ?? '').toLowerCase(), params };
}

export function basicAuthorization(credentials: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/**
 * The Authorization header value answering `challenge` for `scope`; undefined when the
 * challenge is Basic and there are no credentials (nothing else to try).
 */
export async function authorize(
  registry: string,
  challenge: Challenge,
  scope: string,
  credentials: Credentials | undefined,
  tls: Pick<RequestOptions, 'insecureTls'> & { allowPlainRealm: boolean },
): Promise<string | undefined> {
  if (challenge.scheme === 'basic') {
    if (!credentials || !('password' in credentials)) return undefined;
    return basicAuthorization(credentials);
  }
  if (challenge.scheme !== 'bearer') {
    throw new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `registry ${registry} asks for "${challenge.scheme}" authentication, which hostpod does not speak`, {
      hint: 'registries use Bearer tokens or Basic authentication; check that the address points at a registry',
    });
  }
  const realm = challenge.params.realm;
  if (!realm) throw new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `registry ${registry} sent a Bearer challenge without a realm (token service address)`);
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `registry ${registry} named "${realm}" as its token service, which is not a URL`, { hint: 'the registry is misconfigured: its auth.token.realm must be an http(s) URL' });
  }
  if (url.protocol === 'http:' && credentials && !tls.allowPlainRealm) {
    throw new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `registry ${registry} asks for credentials to be sent to ${realm} over plain HTTP`, {
      hint: 'refused, to keep the password off the wire: give the token service HTTPS, or list the registry under registries.insecure if that is acceptable',
    });
  }
  const service = challenge.params.service;
  let response;
  try {
    response = await requestToken(url, scope, service, credentials, tls);
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `registry ${registry}: the token service ${url.host} cannot be reached: ${(error as Error).message}`, {
      hint: 'check that the token service named by the registry is running and reachable from this host',
      cause: error,
    });
  }
  const body = await readBody(response, 1 << 20);
  if (response.statusCode === 429 || (response.statusCode ?? 0) >= 500) {
    throw new HttpStatusError(response.statusCode ?? 500, `registry ${registry}: the token service ${url.host} answered HTTP ${response.statusCode ?? '?'}`);
  }
  if (response.statusCode === 401 || response.statusCode === 403) {
    throw new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `registry ${registry}: the token service ${url.host} refused ${credentials ? 'the credentials' : 'anonymous access'} for ${scope} (HTTP ${response.statusCode})`, {
      hint: credentials ? 'check the user name and password in the credentials file (log in again)' : `log in first (docker login ${registry}, podman login or skopeo login), or pass --authfile`,
    });
  }
  if (response.statusCode !== 200) {
    throw new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `registry ${registry}: the token service ${url.host} answered HTTP ${response.statusCode ?? '?'}: ${body.toString('utf8').slice(0, 200)}`);
  }
  let token: unknown;
  try {
    const answer = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
    token = answer.token ?? answer.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') throw new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `registry ${registry}: the token service ${url.host} answered without a token`);
  return `Bearer ${token}`;
}

/** Asks the token service for a token: with a refresh token (OAuth2), or with GET and Basic credentials. */
function requestToken(url: URL, scope: string, service: string | undefined, credentials: Credentials | undefined, tls: Pick<RequestOptions, 'insecureTls'>): Promise<IncomingMessage> {
  if (credentials && 'identityToken' in credentials) {
    // An OAuth2 refresh token (what `docker login` stores for some registries).
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'hostpod', scope });
    if (service) form.set('service', service);
    return request(url.toString(), { insecureTls: tls.insecureTls === true, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  }
  if (service) url.searchParams.set('service', service);
  url.searchParams.append('scope', scope);
  const headers = credentials && 'password' in credentials ? { authorization: basicAuthorization(credentials) } : {};
  return request(url.toString(), { insecureTls: tls.insecureTls === true, headers });
}
