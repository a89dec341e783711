/**
 * Bearer tokens: the admin token of the kubeconfig, and service-account tokens (JWTs signed with
 * hostpod's own ES256 key, bound to a pod as TokenRequest binds them). Hand-written JWT: ES256
 * sign and verify are a few lines over node:crypto, and a JWT library would add nothing else.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSecret } from '../../pki.js';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
    node?: { name: string; uid: string };
    secret?: { name: string; uid: string };
  };
}

export interface TokenKeys {
  adminToken: string;
  signingKey: KeyObject;
  verifyKey: KeyObject;
}

/** Loads the admin token and the service-account signing key from `dir`, creating them at first start. */
export async function ensureTokenKeys(dir: string): Promise<TokenKeys> {
  const tokenFile = join(dir, 'admin.token');
  let adminToken = await readOptional(tokenFile);
  if (!adminToken) {
    adminToken = randomBytes(32).toString('base64url');
    await writeSecret(tokenFile, adminToken);
  }
  const keyFile = join(dir, 'service-account.key');
  let pem = await readOptional(keyFile);
  if (!pem) {
    pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeSecret(keyFile, pem);
  }
  const signingKey = createPrivateKey(pem);
  return { adminToken: adminToken.trim(), signingKey, verifyKey: createPublicKey(signingKey) };
}

/** Compares a presented token with the admin token in constant time. */
export function isAdminToken(keys: TokenKeys, token: string): boolean {
  const a = Buffer.from(token);
  const b = Buffer.from(keys.adminToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface TokenRequestSpec {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences?: readonly string[];
  expirationSeconds: number;
  pod?: { name: string; uid: string };
  node?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  now: Date;
}

/** Issues a service-account token. */
export function issueServiceAccountToken(keys: TokenKeys, spec: TokenRequestSpec): { token: string; expiresAt: Date } {
  const iat = Math.floor(spec.now.getTime() / 1000);
  // In the order kube-apiserver writes them: go-jose merges the claims into a Go map, whose
  // JSON has its keys sorted, at every level.
  const claims: ServiceAccountClaims = {
    aud: spec.audiences && spec.audiences.length > 0 ? [...spec.audiences] : [ISSUER],
    exp: iat + spec.expirationSeconds,
    iat,
    iss: ISSUER,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace: spec.namespace,
      ...(spec.node ? { node: { name: spec.node.name, uid: spec.node.uid } } : {}),
      ...(spec.pod ? { pod: { name: spec.pod.name, uid: spec.pod.uid } } : {}),
      ...(spec.secret ? { secret: { name: spec.secret.name, uid: spec.secret.uid } } : {}),
      serviceaccount: { name: spec.serviceAccount.name, uid: spec.serviceAccount.uid },
    },
    nbf: iat,
    sub: `system:serviceaccount:${spec.namespace}:${spec.serviceAccount.name}`,
  };
  const header = encode({ alg: 'ES256', kid: keyId(keys) });
  const body = encode(claims);
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), { key: keys.signingKey, dsaEncoding: 'ieee-p1363' });
  return { token: `${header}.${body}.${signature.toString('base64url')}`, expiresAt: new Date(claims.exp * 1000) };
}

/**
 * The claims of a token hostpod signed, if its signature, issuer, audience and lifetime hold.
 * Whether its service account and pod still exist is the authenticator's business.
 */
export function verifyServiceAccountToken(keys: TokenKeys, token: string, now: Date): ServiceAccountClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, body, signature] = parts as [string, string, string];
  const ok = verify('sha256', Buffer.from(`${header}.${body}`), { key: keys.verifyKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!ok) return undefined;
  let claims: ServiceAccountClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ServiceAccountClaims;
  } catch {
    return undefined;
  }
  const seconds = now.getTime() / 1000;
  if (claims.iss !== ISSUER || !Array.isArray(claims.aud) || !claims.aud.includes(ISSUER)) return undefined;
  if (typeof claims.exp !== 'number' || claims.exp < seconds || (typeof claims.nbf === 'number' && claims.nbf > seconds + 60)) return undefined;
  if (typeof claims['kubernetes.io']?.serviceaccount?.name !== 'string') return undefined;
  return claims;
}

/** The key IDs of the verifying keys, each worked out once: exporting the key took 0.4 ms of every token. */
const keyIds = new WeakMap<TokenKeys['verifyKey'], string>();

function keyId(keys: TokenKeys): string {
  let id = keyIds.get(keys.verifyKey);
  if (id === undefined) {
    id = createHash('sha256').update(keys.verifyKey.export({ type: 'spki', format: 'der' })).digest('base64url');
    keyIds.set(keys.verifyKey, id);
  }
  return id;
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
