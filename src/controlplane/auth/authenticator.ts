/**
 * Authentication: a request carries a bearer token, either the admin token or a service-account
 * token that hostpod signed and whose account (and bound pod) still exist; or a client
 * certificate signed by the cluster CA, whose common name is the user and whose organizations
 * are its groups (a node agent's `system:node:NAME` in `system:nodes`), as kube-apiserver's
 * x509 authenticator reads it.
 */
import { createHash } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { metaOf, type ObjectLookup } from '../api/object-meta.js';
import { ADMIN_USER, type UserInfo } from './user.js';
import { isAdminToken, verifyServiceAccountToken, type TokenKeys } from './tokens.js';

export class Authenticator {
  constructor(
    private readonly keys: TokenKeys,
    private readonly lookup: ObjectLookup,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The user a bearer token is (a TokenReview's question), or undefined. */
  authenticateToken(token: string): UserInfo | undefined {
    if (isAdminToken(this.keys, token)) return ADMIN_USER;
    return this.#serviceAccount(token);
  }

  /** The user behind an `Authorization` header, or undefined (401). */
  authenticate(authorization: string | undefined, certificate?: PeerCertificate): UserInfo | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return certificate ? certificateUser(certificate) : undefined;
    return this.authenticateToken(match[1]!);
  }

  #serviceAccount(token: string): UserInfo | undefined {
    const claims = verifyServiceAccountToken(this.keys, token, this.now());
    if (!claims) return undefined;
    const { namespace, serviceaccount, pod, node, secret } = claims['kubernetes.io'];
    // A token outlives nothing it names: a deleted (or re-created) account, pod, secret or node
    // invalidates it (a pod-bound token's node is named, not checked, as kube-apiserver does).
    const alive = (resource: string, ns: string, ref: { name: string; uid: string }): boolean => {
      const bound = this.lookup(resource, ns, ref.name);
      return bound !== undefined && metaOf(bound).uid === ref.uid && metaOf(bound).deletionTimestamp === undefined;
    };
    const account = this.lookup('serviceaccounts', namespace, serviceaccount.name);
    if (!account || metaOf(account).uid !== serviceaccount.uid) return undefined;
    if (pod && !alive('pods', namespace, pod)) return undefined;
    if (secret && !alive('secrets', namespace, secret)) return undefined;
    if (node && !pod && !alive('nodes', '', node)) return undefined;
    return {
      username: `system:serviceaccount:${namespace}:${serviceaccount.name}`,
      uid: serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
      // ServiceAccountInfo.UserInfo's extra: the token's id, and the node and pod it is bound to
      // (keys in the order Go writes a map's).
      extra: {
        [`${EXTRA}credential-id`]: [`JTI=${claims.jti}`],
        ...(node ? { [`${EXTRA}node-name`]: [node.name], ...(node.uid ? { [`${EXTRA}node-uid`]: [node.uid] } : {}) } : {}),
        ...(pod ? { [`${EXTRA}pod-name`]: [pod.name], [`${EXTRA}pod-uid`]: [pod.uid] } : {}),
      },
      serviceAccount: { namespace, name: serviceaccount.name, uid: serviceaccount.uid, ...(pod ? { pod } : {}) },
    };
  }
}

const EXTRA = 'authentication.kubernetes.io/';

/** The user a verified client certificate names. */
function certificateUser(certificate: PeerCertificate): UserInfo | undefined {
  const name = certificate.subject.CN;
  if (typeof name !== 'string' || name === '') return undefined;
  const organizations = certificate.subject.O;
  const groups = organizations === undefined ? [] : Array.isArray(organizations) ? organizations : [organizations];
  return { username: name, groups: [...groups, 'system:authenticated'], extra: { [`${EXTRA}credential-id`]: [credentialId(certificate)] } };
}

/** Each certificate's credential id, by the certificate its connection read once (api-handler.ts). */
const credentialIds = new WeakMap<PeerCertificate, string>();

/**
 * The certificate's SHA-256, as kube-apiserver's x509 authenticator names the credential: taken
 * once per connection, not on each of its requests.
 */
function credentialId(certificate: PeerCertificate): string {
  let id = credentialIds.get(certificate);
  if (id === undefined) credentialIds.set(certificate, (id = `X509SHA256=${createHash('sha256').update(certificate.raw).digest('hex')}`));
  return id;
}
