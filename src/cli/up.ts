/**
 * `hostpod up`: the embedded control plane and this host's node agent in the foreground, with
 * JSON-lines logs on stderr, until SIGTERM or SIGINT (the containers keep running). `hostpod
 * kubeconfig` prints the admin kubeconfig again.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { issueCertificate } from '../pki.js';
import { NODE_USER_PREFIX, NODES_GROUP } from '../controlplane/auth/authorizer.js';
import { ControlPlane, controlPlanePaths } from '../controlplane/control-plane.js';
import type { NodeAgent } from '../node/agent.js';
import type { MountMode } from '../runtime/index.js';
import { hostIP } from '../runtime/index.js';
import { DEFAULT_KUBELET_PORT, defaultNodeName, isWildcard, nodeAddress, parsePort, startAgent } from './agent.js';
import { HostpodError } from '../errors.js';
import { loadConfig } from '../config.js';
import { jsonLog, stopSignal, type CommandIO, type JsonLog } from './io.js';
import { runReported } from './report-errors.js';
import { withDataOptions } from './runtime-context.js';

type Flags = {
  dataDir?: string; config?: string; listen: { host: string; port: number }; logRequests?: boolean;
  node: boolean; nodeName?: string; kubeletAddress?: string; kubeletPort: number; mountMode?: MountMode;
};

export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected HOST:PORT, for example 127.0.0.1:6443 or [::1]:6443');
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

export function upCommand(io: CommandIO, exit: { code: number }): Command {
  return withDataOptions(new Command('up').description('run the embedded control plane (API server and controllers) and this host\'s node agent in the foreground'))
    .addOption(new Option('--listen <host:port>', 'address to serve the Kubernetes API on').argParser(parseListen).default({ host: '127.0.0.1', port: 6443 }, '127.0.0.1:6443'))
    .option('--log-requests', 'log every API request')
    .option('--no-node', 'run the control plane only, without this host as its node')
    .option('--node-name <name>', 'the Node this host registers as (default: the host name)')
    .option('--kubelet-address <ip>', 'the address the node\'s kubelet endpoint listens on (default: --listen\'s; the Node reports it when it is one address)')
    .addOption(new Option('--kubelet-port <port>', 'the port of the node\'s kubelet endpoint (logs, exec); 0 picks a free one').argParser(parsePort).default(DEFAULT_KUBELET_PORT))
    .addOption(new Option('--mount-mode <mode>', 'bind or sandbox (default: the config file\'s runtime.mountMode)').choices(['bind', 'sandbox']))
    .action((flags: Flags) =>
      runReported(io, exit, async () => {
        const config = loadConfig(flags);
        const log = jsonLog(io);
        const plane = await ControlPlane.start({
          dataDir: config.dataDir,
          host: flags.listen.host,
          port: flags.listen.port,
          log,
          ...(flags.logRequests ? { logRequests: (entry) => log('info', 'request', { ...entry }) } : {}),
        });
        log('info', 'control plane ready', { url: plane.url, kubeconfig: plane.paths.kubeconfig, dataDir: config.dataDir });
        let agent: NodeAgent | undefined;
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
        const signal = await stopSignal();
        log('info', 'stopping', { signal });
        await agent?.stop();
        await plane.stop();
        log('info', 'stopped');
      }),
    );
}

/** The agent of `hostpod up`: a node of its own control plane, with certificates from its CA. */
async function startLocalAgent(plane: ControlPlane, flags: Flags, io: CommandIO, log: JsonLog): Promise<NodeAgent> {
  const nodeName = flags.nodeName ?? defaultNodeName();
  const kubeletAddress = flags.kubeletAddress ?? (await listenAddress(flags.listen.host));
  const address = nodeAddress(kubeletAddress, undefined, hostIP);
  const ca = plane.pki.ca;
  const client = await issueCertificate(ca, { commonName: `${NODE_USER_PREFIX}${nodeName}`, organizations: [NODES_GROUP], usage: 'client' });
  const serving = await issueCertificate(ca, { commonName: `${NODE_USER_PREFIX}${nodeName}`, usage: 'server', hosts: [address, '127.0.0.1', nodeName] });
  return startAgent({
    connection: { server: plane.url, ca: ca.cert, insecureSkipTlsVerify: false, clientCert: client.cert, clientKey: client.key },
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.config ? { config: flags.config } : {}),
    ...(flags.mountMode ? { mountMode: flags.mountMode } : {}),
    nodeName, address, kubeletAddress, kubeletPort: flags.kubeletPort, serving, clientCa: ca.cert, io, log,
  });
}

/**
 * The kubelet endpoint's default address: the API's, so that an API kept on loopback does not
 * come with a node endpoint open to the network (a host name is resolved: listen(2) binds one address).
 */
async function listenAddress(host: string): Promise<string> {
  if (isWildcard(host) || isIP(host)) return host || '0.0.0.0';
  return (await lookup(host)).address;
}

export function kubeconfigCommand(io: CommandIO, exit: { code: number }): Command {
  return withDataOptions(new Command('kubeconfig').description("print the admin kubeconfig that 'hostpod up' wrote"))
    .action((flags: { dataDir?: string; config?: string }) =>
      runReported(io, exit, async () => {
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
      }),
    );
}
