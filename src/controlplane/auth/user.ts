/** Who a request comes from, once authenticated (k8s.io/apiserver's user.Info). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: readonly string[];
  /**
   * What the authenticator adds, as kube-apiserver's do: the credential's id
   * (`authentication.kubernetes.io/credential-id`: `JTI=...` for a token, `X509SHA256=...` for a
   * client certificate) and a token's pod and node. `kubectl auth whoami` shows it.
   */
  extra?: Readonly<Record<string, readonly string[]>>;
  /** For a service account's token: the account, and the pod the token is bound to. */
  serviceAccount?: { namespace: string; name: string; uid: string; pod?: { name: string; uid: string } };
}

export const SYSTEM_MASTERS = 'system:masters';

/** The control plane's own controllers, which act with every permission. */
export const CONTROLLER_USER: UserInfo = { username: 'system:hostpod-controller-manager', groups: [SYSTEM_MASTERS, 'system:authenticated'] };

export const ADMIN_USER: UserInfo = { username: 'kubernetes-admin', groups: [SYSTEM_MASTERS, 'system:authenticated'] };
