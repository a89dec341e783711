/**
 * `hostpod lint --server`'s connection to a cluster: found as kubectl finds it (--kubeconfig,
 * $KUBECONFIG, ~/.kube/config; --context, else the current one), checked to answer as an API
 * server, and handed to lint's server check as its transport. Failures with no answer become
 * errors that name the server and the fix.
 *
 * It lives in the command line because it joins two layers that may not know each other: the
 * node layer's Kubernetes client and kubeconfig loading, and lint (which may not import node/).
 * The lint handler imports it only with --server, so plain `hostpod lint` loads none of it.
 */
import { HostpodError } from '../errors.js';
import { HOSTPOD_VERSION } from '../version.js';
import type { LintOptions } from '../lint/lint.js';
import { ServerLinter, type ApiTransport } from '../lint/server/index.js';
import { KubeClient } from '../node/kube-client/client.js';
import { selectCluster, type KubeconfigSelection, type SelectedCluster } from '../node/kube-client/kubeconfig-loading.js';

/** What the report says about the cluster it asked. */
export interface ClusterInfo {
  server: string;
  /** The API server's gitVersion (`v1.36.3`). */
  version: string;
  context: string;
  /** Where namespaced objects without a namespace go. */
  namespace: string;
}

export interface LintServer {
  info: ClusterInfo;
  /** A linter that asks this cluster too. */
  linter(options: LintOptions): ServerLinter;
  close(): void;
}

/** A request that gets no answer in this time fails (admission webhooks may take up to 30 s). */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Connects to the cluster `selection` names, and asks it for its version.
 * @throws HostpodError ERR_HOSTPOD_KUBECONFIG for a missing or unusable kubeconfig,
 *   ERR_HOSTPOD_SERVER_UNREACHABLE when the server does not answer or is no API server,
 *   ERR_HOSTPOD_SERVER_CREDENTIALS when it rejects the kubeconfig's credentials
 */
export async function connectLintServer(selection: KubeconfigSelection): Promise<LintServer> {
  const cluster = selectCluster(selection);
  const client = new KubeClient(cluster.connection, `hostpod/${HOSTPOD_VERSION} (lint --server)`);
  const transport = clusterTransport(client, cluster, selection);
  try {
    const answer = await transport.exchange('GET', '/version');
    const version = (answer.body as { gitVersion?: unknown } | undefined)?.gitVersion;
    if (answer.status !== 200 || typeof version !== 'string') {
      throw new HostpodError('ERR_HOSTPOD_SERVER_UNREACHABLE', `${cluster.connection.server} ${where(cluster)} does not answer as a Kubernetes API server (GET /version: ${answer.status})`, {
        hint: `check the server URL of the context with kubectl config view --minify${selectionFlags(selection)}`,
      });
    }
    return {
      info: { server: cluster.connection.server, version, context: cluster.context, namespace: cluster.namespace },
      linter: (options) => new ServerLinter(options, { transport, namespace: cluster.namespace }),
      close: () => client.close(),
    };
  } catch (error) {
    client.close();
    throw error;
  }
}

/** The client as lint's transport: no answer, and an answer refusing the credentials, are errors naming the server. */
function clusterTransport(client: KubeClient, cluster: SelectedCluster, selection: KubeconfigSelection): ApiTransport {
  return {
    async exchange(method, path, request = {}) {
      let answer;
      try {
        answer = await client.exchange(method, path, { ...request, timeoutMs: REQUEST_TIMEOUT_MS });
      } catch (error) {
        throw unreachable(error, cluster, selection);
      }
      if (answer.status === 401) {
        throw new HostpodError('ERR_HOSTPOD_SERVER_CREDENTIALS', `the API server ${cluster.connection.server} ${where(cluster)} rejected the kubeconfig's credentials (401 Unauthorized)`, {
          hint: 'its token or client certificate is wrong or has expired: get a fresh kubeconfig (for hostpod up\'s cluster: hostpod kubeconfig)',
        });
      }
      return answer;
    },
  };
}

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
]);

function unreachable(error: unknown, cluster: SelectedCluster, selection: KubeconfigSelection): HostpodError {
  const server = cluster.connection.server;
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const name = (error as Error | undefined)?.name ?? '';
  const reason = (error as Error | undefined)?.message ?? String(error);
  if (UNTRUSTED.has(code)) {
    return new HostpodError('ERR_HOSTPOD_SERVER_UNREACHABLE', `the API server ${server} ${where(cluster)} presented a certificate the kubeconfig does not trust (${code}: ${reason})`, {
      hint: 'the cluster\'s certificate-authority-data in the kubeconfig must be the CA that signed the server\'s certificate: get a fresh kubeconfig from the cluster', cause: error,
    });
  }
  const what = name === 'TimeoutError' || name === 'AbortError' ? `did not answer within ${REQUEST_TIMEOUT_MS / 1000} s` : `cannot be reached (${reason})`;
  return new HostpodError('ERR_HOSTPOD_SERVER_UNREACHABLE', `the API server ${server} ${where(cluster)} ${what}`, {
    hint: `is the cluster running, and is this its address? kubectl${selectionFlags(selection)} cluster-info asks the same server; pass another --kubeconfig or --context, or lint without --server`, cause: error,
  });
}

function where(cluster: SelectedCluster): string {
  return `(context "${cluster.context}" of ${cluster.source})`;
}

function selectionFlags(selection: KubeconfigSelection): string {
  return `${selection.kubeconfig === undefined ? '' : ` --kubeconfig ${selection.kubeconfig}`}${selection.context === undefined ? '' : ` --context ${selection.context}`}`;
}
