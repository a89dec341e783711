/**
 * What `hostpod agent` does: this host as a node of the cluster a kubeconfig names, running the
 * pods bound to it as HostProcess containers, in the foreground until SIGTERM or SIGINT. `hostpod
 * up` starts the same agent beside its control plane.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { HostpodError } from '../errors.js';
import { NodeAgent } from '../node/agent.js';
import { ensureClientCertificate } from '../node/bootstrap/client-certificate.js';
import { KubeClient } from '../node/kube-client/client.js';
import type { ClusterConnection } from '../node/kube-client/kubeconfig.js';
import { TokenReviewAuthenticator } from '../node/kubelet-api/authentication.js';
import { SubjectAccessReviewAuthorizer } from '../node/kubelet-api/authorization.js';
import type { NodeTaint } from '../node/node-taints.js';
import { createCa, issueCertificate, type KeyPair } from '../pki.js';
import type { MountMode } from '../runtime/mount-mode.js';
import { requireRoot } from '../runtime/identity.js';
import { hostIP } from '../runtime/index.js';
import { HOSTPOD_VERSION } from '../version.js';
import type { AgentFlags } from './agent.js';
import { exitOnSecondSignal, jsonLog, stopSignal, type CommandIO, type JsonLog } from './io.js';
import { openRuntime } from './runtime-context.js';
import { useServerTiering } from './server-tiering.js';

/** The node name the kubelet would pick: the host name, lower-cased. */
export function defaultNodeName(): string {
  return hostname().toLowerCase();
}

export interface StartAgentOptions {
  connection: ClusterConnection;
  dataDir?: string;
  config?: string;
  nodeName: string;
  address: string;
  /** Where the kubelet endpoint listens: an IP address, or 0.0.0.0 / :: for every one. */
  kubeletAddress: string;
  kubeletPort: number;
  /** The kubelet endpoint's serving pair; a self-signed one when absent. */
  serving?: KeyPair;
  /** The CA that the API server's kubelet-client certificate is signed by. */
  clientCa: string;
  mountMode?: MountMode;
  /** The taints the Node is created with. */
  registerWithTaints?: readonly NodeTaint[];
  /** How often a pod's API-backed volumes are rewritten (ms): --sync-frequency. */
  syncFrequencyMs?: number;
  /** Request the serving certificate from the cluster (kubelet-serving CSR), kept in this directory. */
  servingCertificate?: { certDir: string };
  /** The node's credentials came from TLS bootstrapping: renew them into these files. */
  rotateClientCertificate?: { kubeconfig: string; certDir: string };
  io: CommandIO;
  log: JsonLog;
}

export async function startAgent(options: StartAgentOptions): Promise<NodeAgent> {
  requireRoot(`node agent for node ${options.nodeName}`);
  const { runtime, images, config } = await openRuntime({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(options.config ? { config: options.config } : {}) }, options.io, { mountMode: options.mountMode });
  const serving = options.serving ?? (await issueCertificate(await createCa(), { commonName: `system:node:${options.nodeName}`, usage: 'server', hosts: [options.address, '127.0.0.1', options.nodeName] }));
  // The API server names a write's manager in managedFields after the User-Agent's first part
  // when no fieldManager is sent: the node agent's writes show as the kubelet's, as on any node.
  const client = new KubeClient(options.connection, `kubelet/${HOSTPOD_VERSION} (linux/${process.arch}) hostpod-agent`);
  return NodeAgent.start({
    client,
    runtime,
    images,
    nodeName: options.nodeName,
    address: options.address,
    mountMode: config.runtime.mountMode,
    insecureRegistries: config.insecureRegistries,
    kubelet: {
      host: options.kubeletAddress, port: options.kubeletPort, cert: serving.cert, key: serving.key, clientCa: options.clientCa,
      // As the kubelet's webhook authentication and authorization: the API server says who a
      // bearer token is (TokenReview) and who may use the endpoint (SubjectAccessReview).
      nodeName: options.nodeName, authenticator: new TokenReviewAuthenticator(client), authorizer: new SubjectAccessReviewAuthorizer(client),
    },
    hostpodVersion: HOSTPOD_VERSION,
    ...(options.rotateClientCertificate ? { rotateClientCertificate: options.rotateClientCertificate } : {}),
    ...(options.registerWithTaints ? { registerWithTaints: options.registerWithTaints } : {}),
    ...(options.syncFrequencyMs === undefined ? {} : { syncFrequencyMs: options.syncFrequencyMs }),
    ...(options.servingCertificate ? { servingCertificate: options.servingCertificate } : {}),
    log: (level, message, fields = {}) => options.log(level, message, fields),
  });
}

/** Whether an address means "every address" to listen(2). */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}

/**
 * The node's address (its InternalIP, which the API server's log and exec proxy dials) for a
 * kubelet endpoint listening on `kubeletAddress`: the given one, else the endpoint's own when it
 * listens on one address only, else the host's first network address.
 * @throws HostpodError when the endpoint would not listen where the node says it is
 */
export function nodeAddress(kubeletAddress: string, given: string | undefined, hostAddress: () => string): string {
  if (!isWildcard(kubeletAddress) && !isIP(kubeletAddress)) {
    throw new HostpodError('ERR_HOSTPOD_KUBELET_ADDRESS', `--kubelet-address ${kubeletAddress} is not an IP address`, { hint: 'give an IPv4 or IPv6 address, or 0.0.0.0 to listen on every address' });
  }
  if (given === undefined) return isWildcard(kubeletAddress) ? hostAddress() : kubeletAddress;
  if (!isWildcard(kubeletAddress) && given !== kubeletAddress) {
    throw new HostpodError('ERR_HOSTPOD_KUBELET_ADDRESS', `the kubelet endpoint would listen on ${kubeletAddress}, but the node reports ${given} (--address): the API server could not reach it for logs and exec`,
      { hint: `pass the same address to --address and --kubelet-address, or --kubelet-address 0.0.0.0` });
  }
  return given;
}

/** @throws HostpodError ERR_HOSTPOD_UNREADABLE (a usage error) naming the file and its flag */
function readPem(path: string, what: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_UNREADABLE', `cannot read the ${what} ${path}: ${(error as Error).message}`, { hint: `check the path given to ${flag}`, cause: error });
  }
}

/** `hostpod agent`: joins the cluster, runs until SIGTERM or SIGINT, then stops the agent (the containers keep running). */
export async function joinCluster(flags: AgentFlags, io: CommandIO): Promise<void> {
  // The flags are checked before anything is asked of the cluster.
  if ((flags.kubeletCert === undefined) !== (flags.kubeletKey === undefined)) throw new HostpodError('ERR_HOSTPOD_USAGE', '--kubelet-cert and --kubelet-key go together', { hint: 'pass both, or neither for a self-signed serving certificate' });
  if (flags.rotateServerCertificates && flags.kubeletCert) throw new HostpodError('ERR_HOSTPOD_USAGE', '--rotate-server-certificates requests the serving certificate from the cluster; --kubelet-cert gives one', { hint: 'pass one of them' });
  const address = nodeAddress(flags.kubeletAddress, flags.address, hostIP);
  const registerWithTaints = flags.registerWithTaints;
  const log = jsonLog(io);
  log('info', 'V8 tiering set for a long-running server', { v8Flags: useServerTiering() });
  const nodeName = flags.nodeName ?? defaultNodeName();
  const certDir = join(loadConfig(flags).dataDir, 'pki');
  // As the kubelet: the node's kubeconfig when it holds valid credentials, else TLS bootstrapping.
  const connection = await ensureClientCertificate({
    nodeName, kubeconfig: flags.kubeconfig, certDir, log: (message, fields) => log('info', message, fields),
    ...(flags.context === undefined ? {} : { context: flags.context }),
    ...(flags.bootstrapKubeconfig === undefined ? {} : { bootstrapKubeconfig: flags.bootstrapKubeconfig }),
  });
  const clientCa = flags.clientCaFile ? readPem(flags.clientCaFile, 'client CA', '--client-ca-file') : connection.ca;
  if (!clientCa) throw new HostpodError('ERR_HOSTPOD_AGENT_TLS', `the kubeconfig ${flags.kubeconfig} has no certificate authority`, { hint: 'pass --client-ca-file with the CA that signs the API server\'s kubelet-client certificate' });
  const agent = await startAgent({
    connection, nodeName, io, log, clientCa, registerWithTaints, syncFrequencyMs: flags.syncFrequency,
    address, kubeletAddress: flags.kubeletAddress, kubeletPort: flags.kubeletPort,
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.config ? { config: flags.config } : {}),
    ...(flags.mountMode ? { mountMode: flags.mountMode } : {}),
    ...(flags.bootstrapKubeconfig ? { rotateClientCertificate: { kubeconfig: flags.kubeconfig, certDir } } : {}),
    ...(flags.rotateServerCertificates ? { servingCertificate: { certDir } } : {}),
    ...(flags.kubeletCert && flags.kubeletKey ? { serving: { cert: readPem(flags.kubeletCert, 'kubelet certificate', '--kubelet-cert'), key: readPem(flags.kubeletKey, 'kubelet key', '--kubelet-key') } } : {}),
  });
  io.stdout.write(`hostpod: node ${nodeName} joined ${connection.server}; kubelet endpoint on port ${agent.kubeletPort}\n`);
  const signal = await stopSignal();
  const waitingFor = 'the node agent to let go of its containers (they keep running; a stop in progress is finished by the container\'s monitor)';
  log('info', `stopping: waiting for ${waitingFor}`, { signal });
  exitOnSecondSignal(log, waitingFor);
  await agent.stop();
  log('info', 'stopped');
  // As hostpod up does: a pod worker may still poll a container it is stopping, whose monitor
  // holds the grace and the kill; containers outlive hostpod, so exit without waiting for it.
  process.exit(0);
}
