/**
 * What the request log (`hostpod up --log-requests`) may say about a request target: the path
 * and query as sent, with the value of every credential-bearing query parameter replaced.
 * Headers are never logged, so an Authorization header cannot leak through it.
 */

/**
 * Query parameters that carry credentials: OAuth and OIDC tokens as clients (and old
 * kube-apiserver versions) pass them, and the usual password and key names. Matched without
 * regard to case, after percent-decoding the name.
 */
const CREDENTIAL_PARAMETERS = new Set([
  'access_token', 'token', 'id_token', 'refresh_token', 'bearer', 'auth', 'authorization',
  'password', 'passwd', 'secret', 'client_secret', 'api_key', 'apikey', 'key', 'signature', 'sig',
]);

export const REDACTED = 'REDACTED';

/** The request target with credential values redacted; everything else stays as sent. */
export function redactTarget(target: string): string {
  const question = target.indexOf('?');
  if (question < 0) return target;
  const pairs = target.slice(question + 1).split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const name = equals < 0 ? pair : pair.slice(0, equals);
    return isCredential(name) ? `${name}=${REDACTED}` : pair;
  });
  return `${target.slice(0, question)}?${pairs.join('&')}`;
}

function isCredential(rawName: string): boolean {
  let name = rawName.replace(/\+/g, ' ');
  try {
    name = decodeURIComponent(name);
  } catch {
    // A malformed escape: judge the name as written.
  }
  return CREDENTIAL_PARAMETERS.has(name.trim().toLowerCase());
}
