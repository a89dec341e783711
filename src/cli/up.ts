/**
 * `hostpod up`: the embedded control plane and this host's node agent in the foreground, with
 * JSON-lines logs on stderr, until SIGTERM or SIGINT (the containers keep running). `hostpod
 * kubeconfig` prints the admin kubeconfig again. The command lines; the work is in
 * up-handler.ts, loaded when a command runs.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { MountMode } from '../runtime/mount-mode.js';
import { parseGoDuration } from '../api/go-duration.js';
import { DEFAULT_KUBELET_PORT, parsePort, syncFrequencyOption } from './agent.js';
import { withDataOptions } from './data-options.js';
import type { CommandIO } from './io.js';
import { runReported } from './report-errors.js';
import { DEFAULT_NODE_PORT_RANGE, DEFAULT_SERVICE_CIDR, serviceNetwork } from '../controlplane/services/service-network.js';

export type UpFlags = {
  dataDir?: string; config?: string; listen: { host: string; port: number }; logRequests?: boolean;
  node: boolean; nodeName?: string; kubeletAddress?: string; kubeletPort: number; mountMode?: MountMode; syncFrequency: number;
  allowPrivileged: boolean;
  serviceClusterIpRange: string; serviceNodePortRange: string;
  metricResolution: number;
};

function parseBoolean(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('expected true or false');
}

/** An argument parser that keeps the value when `check` accepts it, and makes its error a usage error. */
function checked(check: (value: string) => unknown): (value: string) => string {
  return (value) => {
    try {
      check(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
    return value;
  };
}

/** A duration as metrics-server's `--metric-resolution` takes it (Go's: `15s`, `500ms`, `1m`), in milliseconds; at least 1s. */
export function parseResolution(value: string): number {
  const ms = parseGoDuration(value) ?? Number.NaN;
  if (!(ms >= 1000)) throw new InvalidArgumentError('expected a duration of at least 1s, for example 15s or 1m');
  return ms;
}

export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected HOST:PORT, for example 127.0.0.1:6443 or [::1]:6443');
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

export function upCommand(io: CommandIO, exit: { code: number }): Command {
  return withDataOptions(new Command('up').description('run the embedded control plane (API server and controllers) and, as root, this host\'s node agent in the foreground'))
    .addOption(new Option('--listen <host:port>', 'address to serve the Kubernetes API on').argParser(parseListen).default({ host: '127.0.0.1', port: 6443 }, '127.0.0.1:6443'))
    .option('--log-requests', 'log every API request')
    .option('--no-node', 'run the control plane only, without this host as its node')
    .option('--node-name <name>', 'the Node this host registers as (default: the host name)')
    .option('--kubelet-address <ip>', 'the address the node\'s kubelet endpoint listens on (default: --listen\'s; the Node reports it when it is one address)')
    .addOption(new Option('--kubelet-port <port>', 'the port of the node\'s kubelet endpoint (logs, exec, attach, port-forward, metrics); 0 picks a free one').argParser(parsePort).default(DEFAULT_KUBELET_PORT))
    .addOption(new Option('--mount-mode <mode>', 'bind or sandbox (default: the config file\'s runtime.mountMode, else bind)').choices(['bind', 'sandbox']))
    .addOption(syncFrequencyOption())
    .addOption(new Option('--allow-privileged <true|false>', "kube-apiserver's --allow-privileged: false refuses privileged and HostProcess containers").argParser(parseBoolean).default(true))
    .addOption(new Option('--service-cluster-ip-range <cidr>', 'the IPv4 range of Services\' cluster IPs (hostpod does not proxy Service traffic)').argParser(checked((v) => serviceNetwork(v))).default(DEFAULT_SERVICE_CIDR))
    .addOption(new Option('--service-node-port-range <range>', 'the range of NodePort Services\' node ports, FIRST-LAST').argParser(checked((v) => serviceNetwork(undefined, v))).default(DEFAULT_NODE_PORT_RANGE))
    .addOption(new Option('--metric-resolution <duration>', 'how often the nodes\' kubelet endpoints are scraped for metrics.k8s.io (kubectl top), as metrics-server\'s flag').argParser(parseResolution).default(15_000, '15s'))
    .action((flags: UpFlags) =>
      runReported(io, exit, async () => (await import('./up-handler.js')).runControlPlane(flags, io)),
    );
}

export function kubeconfigCommand(io: CommandIO, exit: { code: number }): Command {
  return withDataOptions(new Command('kubeconfig').description("print the admin kubeconfig that 'hostpod up' wrote"))
    .action((flags: { dataDir?: string; config?: string }) =>
      runReported(io, exit, async () => (await import('./up-handler.js')).printKubeconfig(flags, io)),
    );
}
