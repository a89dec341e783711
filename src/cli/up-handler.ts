/**
 * What `hostpod up` does: the embedded control plane and this host's node agent in the
 * foreground, with JSON-lines logs on stderr, until SIGTERM or SIGINT (the containers keep
 * running); and `hostpod kubeconfig`, which prints the admin kubeconfig again.
 */
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { loadConfig, type ConfigFlags } from '../config.js';
import { NODE_USER_PREFIX, NODES_GROUP } from '../controlplane/auth/authorizer.js';
import { ControlPlane, controlPlanePaths } from '../controlplane/control-plane.js';
import { HostpodError } from '../errors.js';
import { issueCertificate } from '../pki.js';
import { hostIP } from '../runtime/index.js';
import { defaultNodeName, isWildcard, nodeAddress } from './agent-handler.js';
import { AgentThread } from './agent-thread.js';
import { exitOnSecondSignal, jsonLog, stopSignal, type CommandIO, type JsonLog } from './io.js';
import { useServerTiering } from './server-tiering.js';
import type { UpFlags } from './up.js';

/** `hostpod up`: serves until SIGTERM or SIGINT, then stops the agent and the control plane. */
export async function runControlPlane(flags: UpFlags, io: CommandIO): Promise<void> {
  const config = loadConfig(flags);
  const log = jsonLog(io);
  log('info', 'V8 tiering set for a long-running server', { v8Flags: useServerTiering() });
  const plane = await ControlPlane.start({
    dataDir: config.dataDir,
    host: flags.listen.host,
    port: flags.listen.port,
    allowPrivileged: flags.allowPrivileged,
    serviceClusterIPRange: flags.serviceClusterIpRange,
    serviceNodePortRange: flags.serviceNodePortRange,
    metricResolutionMs: flags.metricResolution,
    ...(isWildcard(flags.listen.host) ? { advertiseAddress: hostIP() } : {}),
    log,
    ...(flags.logRequests ? { logRequests: (entry) => log('info', 'request', { ...entry }) } : {}),
  });
  log('info', 'control plane ready', { url: plane.url, kubeconfig: plane.paths.kubeconfig, dataDir: config.dataDir });
  let agent: AgentThread | undefined;
  if (flags.node) {
    if (process.getuid?.() !== 0) {
      log('warn', 'no node agent: running HostProcess containers needs root; the control plane runs without a node', {});
    } else {
      try {
        agent = await startLocalAgent(plane, flags, io, log);
      } catch (error) {
        await plane.stop();
        throw error;
      }
    }
  }
  io.stdout.write(`hostpod: control plane serving on ${plane.url}\n`
    + `hostpod: admin kubeconfig written to ${plane.paths.kubeconfig}; use it with:\n`
    + `  export KUBECONFIG=${plane.paths.kubeconfig}\n  kubectl get namespaces\n`);
  // The agent's thread ending on its own is a failure of the node: `hostpod up` stops with it.
  const stop = await Promise.race([stopSignal(), ...(agent ? [agent.failed] : [])]);
  if (stop instanceof Error) {
    log('error', 'the node agent stopped; stopping the control plane', { error: stop.message });
    await plane.stop();
    throw stop;
  }
  const signal = stop;
  const waitingFor = agent
    ? 'the node agent to let go of its containers (they keep running; a stop in progress is finished by the container\'s monitor) and the control plane to close its connections and store'
    : 'the control plane to close its connections and store';
  log('info', `stopping: waiting for ${waitingFor}`, { signal });
  exitOnSecondSignal(log, waitingFor);
  await agent?.stop();
  await plane.stop();
  log('info', 'stopped');
  // Exit now rather than when the event loop drains: a pod worker may still be polling a
  // container it is stopping (a deleted pod inside its grace period). The container's monitor
  // holds that grace and its kill, and containers outlive hostpod by design, so nothing is lost;
  // the next start adopts the container and finishes the pod.
  process.exit(0);
}

/** The agent of `hostpod up`: a node of its own control plane, with certificates from its CA. */
async function startLocalAgent(plane: ControlPlane, flags: UpFlags, io: CommandIO, log: JsonLog): Promise<AgentThread> {
  const nodeName = flags.nodeName ?? defaultNodeName();
  const kubeletAddress = flags.kubeletAddress ?? (await listenAddress(flags.listen.host));
  const address = nodeAddress(kubeletAddress, undefined, hostIP);
  const ca = plane.pki.ca;
  const client = await issueCertificate(ca, { commonName: `${NODE_USER_PREFIX}${nodeName}`, organizations: [NODES_GROUP], usage: 'client' });
  const serving = await issueCertificate(ca, { commonName: `${NODE_USER_PREFIX}${nodeName}`, usage: 'server', hosts: [address, '127.0.0.1', nodeName] });
  return AgentThread.start({
    connection: { server: plane.url, ca: ca.cert, insecureSkipTlsVerify: false, clientCert: client.cert, clientKey: client.key },
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.config ? { config: flags.config } : {}),
    ...(flags.mountMode ? { mountMode: flags.mountMode } : {}),
    nodeName, address, kubeletAddress, kubeletPort: flags.kubeletPort, serving, clientCa: ca.cert, syncFrequencyMs: flags.syncFrequency,
  }, io, log);
}

/**
 * The kubelet endpoint's default address: the API's, so that an API kept on loopback does not
 * come with a node endpoint open to the network (a host name is resolved: listen(2) binds one address).
 */
async function listenAddress(host: string): Promise<string> {
  if (isWildcard(host) || isIP(host)) return host || '0.0.0.0';
  return (await lookup(host)).address;
}

/** `hostpod kubeconfig`: prints the admin kubeconfig `hostpod up` wrote. */
export async function printKubeconfig(flags: ConfigFlags, io: CommandIO): Promise<void> {
  const config = loadConfig(flags);
  const path = controlPlanePaths(config.dataDir).kubeconfig;
  try {
    io.stdout.write(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new HostpodError('ERR_HOSTPOD_NO_KUBECONFIG', `${path} does not exist`, { hint: `run 'hostpod up${flags.dataDir ? ` --data-dir ${flags.dataDir}` : ''}' first: it writes the kubeconfig at its first start` });
    }
    throw error;
  }
}
