/**
 * `hostpod agent --kubeconfig FILE`: this host as a node of the cluster the kubeconfig names,
 * running the pods bound to it as HostProcess containers, in the foreground until SIGTERM or
 * SIGINT. `hostpod up` starts the same agent beside its control plane.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createCa, issueCertificate, type KeyPair } from '../controlplane/auth/pki.js';
import { HostpodError } from '../errors.js';
import { NodeAgent } from '../node/agent.js';
import { KubeClient } from '../node/kube-client/client.js';
import { loadKubeconfig, type ClusterConnection } from '../node/kube-client/kubeconfig.js';
import { requireRoot } from '../runtime/identity.js';
import { hostIP } from '../runtime/runtime.js';
import type { MountMode } from '../runtime/container.js';
import { HOSTPOD_VERSION } from '../version.js';
import { jsonLog, stopSignal, type CommandIO, type JsonLog } from './io.js';
import { runReported } from './report-errors.js';
import { openRuntime, withDataOptions } from './runtime-context.js';

export const DEFAULT_KUBELET_PORT = 10250;


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
  kubeletPort: number;
  /** The kubelet endpoint's serving pair; a self-signed one when absent. */
  serving?: KeyPair;
  /** The CA that the API server's kubelet-client certificate is signed by. */
  clientCa: string;
  mountMode?: MountMode;
  io: CommandIO;
  log: JsonLog;
}

export async function startAgent(options: StartAgentOptions): Promise<NodeAgent> {
  requireRoot(`node agent for node ${options.nodeName}`);
  const { runtime, images, config } = await openRuntime({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(options.config ? { config: options.config } : {}) }, options.io, { mountMode: options.mountMode });
  const serving = options.serving ?? (await issueCertificate(await createCa(), { commonName: `system:node:${options.nodeName}`, usage: 'server', hosts: [options.address, '127.0.0.1', options.nodeName] }));
  return NodeAgent.start({
    client: new KubeClient(options.connection, `hostpod-agent/${HOSTPOD_VERSION}`),
    runtime,
    images,
    nodeName: options.nodeName,
    address: options.address,
    mountMode: config.runtime.mountMode,
    insecureRegistries: config.insecureRegistries,
    kubelet: { host: '0.0.0.0', port: options.kubeletPort, cert: serving.cert, key: serving.key, clientCa: options.clientCa },
    hostpodVersion: HOSTPOD_VERSION,
    log: (level, message, fields = {}) => options.log(level, message, fields),
  });
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a port number (0 picks a free one)');
  return port;
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new HostpodError('ERR_HOSTPOD_AGENT_TLS', `cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

type Flags = {
  kubeconfig: string; context?: string; dataDir?: string; config?: string; nodeName?: string; address?: string;
  kubeletPort: number; kubeletCert?: string; kubeletKey?: string; clientCaFile?: string; mountMode?: MountMode;
};

export function agentCommand(io: CommandIO, exit: { code: number }): Command {
  return withDataOptions(new Command('agent').description('join this host to a cluster as a node that runs HostProcess pods, in the foreground'))
    .requiredOption('--kubeconfig <file>', "the node's credentials for the cluster's API server")
    .option('--context <name>', 'the kubeconfig context to use (default: its current context)')
    .option('--node-name <name>', 'the Node to register (default: the host name)')
    .option('--address <ip>', "the node's address: its InternalIP, the pods' hostIP and podIP (default: the first non-loopback IPv4)")
    .addOption(new Option('--kubelet-port <port>', 'the port of the kubelet endpoint (logs, exec)').argParser(parsePort).default(DEFAULT_KUBELET_PORT))
    .option('--kubelet-cert <file>', "the kubelet endpoint's serving certificate (default: a self-signed one)")
    .option('--kubelet-key <file>', 'its key')
    .option('--client-ca-file <file>', "the CA of the API server's client certificate at the kubelet endpoint (default: the kubeconfig's CA)")
    .addOption(new Option('--mount-mode <mode>', 'bind or sandbox (default: the config file\'s runtime.mountMode)').choices(['bind', 'sandbox']))
    .action((flags: Flags) =>
      runReported(io, exit, async () => {
        const connection = loadKubeconfig(flags.kubeconfig, flags.context);
        const clientCa = flags.clientCaFile ? readPem(flags.clientCaFile, 'client CA') : connection.ca;
        if (!clientCa) throw new HostpodError('ERR_HOSTPOD_AGENT_TLS', `the kubeconfig ${flags.kubeconfig} has no certificate authority`, { hint: 'pass --client-ca-file with the CA that signs the API server\'s kubelet-client certificate' });
        if ((flags.kubeletCert === undefined) !== (flags.kubeletKey === undefined)) throw new HostpodError('ERR_HOSTPOD_AGENT_TLS', '--kubelet-cert and --kubelet-key go together');
        const log = jsonLog(io);
        const nodeName = flags.nodeName ?? defaultNodeName();
        const agent = await startAgent({
          connection, nodeName, io, log, clientCa,
          address: flags.address ?? hostIP(),
          kubeletPort: flags.kubeletPort,
          ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
          ...(flags.config ? { config: flags.config } : {}),
          ...(flags.mountMode ? { mountMode: flags.mountMode } : {}),
          ...(flags.kubeletCert && flags.kubeletKey ? { serving: { cert: readPem(flags.kubeletCert, 'kubelet certificate'), key: readPem(flags.kubeletKey, 'kubelet key') } } : {}),
        });
        io.stdout.write(`hostpod: node ${nodeName} joined ${connection.server}; kubelet endpoint on port ${agent.kubeletPort}\n`);
        const signal = await stopSignal();
        log('info', 'stopping; the containers keep running', { signal });
        await agent.stop();
      }),
    );
}
