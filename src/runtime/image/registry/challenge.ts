/**
 * Registry authentication (the distribution spec's token flow, and basic auth): parse the
 * WWW-Authenticate challenge of a 401, then either send credentials directly (Basic) or trade
 * them at the token service for a bearer token scoped to the repository (Bearer).
 */
import { HostpodError } from '../../../errors.js';
import type { Credentials } from './credentials.js';
import { readBody, request, type RequestOptions } from './transport.js';

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
export async function authorize(registry: string, challenge: Challenge, scope: string, credentials: Credentials | undefined, tls: Pick<RequestOptions, 'insecureTls'>): Promise<string | undefined> {
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
  const url = new URL(realm);
  const service = challenge.params.service;
  let response;
  if (credentials && 'identityToken' in credentials) {
    // An OAuth2 refresh token (what `docker login` stores for some registries).
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'hostpod', scope });
    if (service) form.set('service', service);
    response = await request(url.toString(), { ...tls, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  } else {
    if (service) url.searchParams.set('service', service);
    url.searchParams.append('scope', scope);
    const headers = credentials ? { authorization: basicAuthorization(credentials) } : {};
    response = await request(url.toString(), { ...tls, headers });
  }
  const body = await readBody(response, 1 << 20);
  if (response.statusCode === 401 || response.statusCode === 403) {
    throw new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `registry ${registry}: the token service ${url.host} refused ${credentials ? 'the credentials' : 'anonymous access'} for ${scope} (HTTP ${response.statusCode})`, {
      hint: credentials ? 'check the user name and password in the credentials file (log in again)' : `log in first (docker login ${registry}, podman login or skopeo login), or pass --authfile`,
    });
  }
  if (response.statusCode !== 200) {
    const error = new HostpodError('ERR_HOSTPOD_REGISTRY_AUTH', `registry ${registry}: the token service ${url.host} answered HTTP ${response.statusCode ?? '?'}: ${body.toString('utf8').slice(0, 200)}`);
    throw Object.assign(error, { status: response.statusCode });
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
