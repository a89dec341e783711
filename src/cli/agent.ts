/**
 * `hostpod agent --kubeconfig FILE`: this host as a node of the cluster the kubeconfig names,
 * running the pods bound to it as HostProcess containers, in the foreground until SIGTERM or
 * SIGINT. The command line; the work is in agent-handler.ts, loaded when the command runs.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseGoDuration } from '../api/go-duration.js';
import type { HostpodError } from '../errors.js';
import { DEFAULT_SYNC_FREQUENCY_MS } from '../node/node-context.js';
import { formatTaint, HOSTPROCESS_TAINT, parseTaints, type NodeTaint } from '../node/node-taints.js';
import { MAX_TIMER_MS } from '../runtime/grace.js';
import type { MountMode } from '../runtime/mount-mode.js';
import { withDataOptions } from './data-options.js';
import type { CommandIO } from './io.js';
import { runReported } from './report-errors.js';

export const DEFAULT_KUBELET_PORT = 10250;

/** --register-with-taints: a bad taint is a usage error, as any other bad flag value. */
function taintsArgument(value: string): NodeTaint[] {
  try {
    return parseTaints(value);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message.replace(/^--register-with-taints: /, '')}; ${(error as HostpodError).hint ?? ''}`);
  }
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a port number (0 picks a free one)');
  return port;
}

/** --sync-frequency: a Go duration greater than zero, as the kubelet's flag. */
export function parseSyncFrequency(value: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined || !(ms > 0) || ms > MAX_TIMER_MS) throw new InvalidArgumentError('expected a duration greater than zero and under 596h, for example 1m0s or 10s');
  return ms;
}

/** The --sync-frequency option, the same for `hostpod agent` and `hostpod up`. */
export function syncFrequencyOption(): Option {
  return new Option('--sync-frequency <duration>', "how often a pod's ConfigMap, Secret, downward API and projected token volumes are rewritten, as the kubelet's flag; a ConfigMap's change reaches its volume within this")
    .argParser(parseSyncFrequency).default(DEFAULT_SYNC_FREQUENCY_MS, '1m0s');
}

export type AgentFlags = {
  kubeconfig: string; bootstrapKubeconfig?: string; context?: string; dataDir?: string; config?: string; nodeName?: string; address?: string;
  kubeletAddress: string; kubeletPort: number; kubeletCert?: string; kubeletKey?: string; clientCaFile?: string; mountMode?: MountMode;
  registerWithTaints: NodeTaint[]; rotateServerCertificates?: boolean; syncFrequency: number;
};

export function agentCommand(io: CommandIO, exit: { code: number }): Command {
  return withDataOptions(new Command('agent').description('join this host to a cluster as a node that runs HostProcess pods, in the foreground'))
    .requiredOption('--kubeconfig <file>', "the node's credentials for the cluster's API server (required; written after TLS bootstrapping)")
    .option('--bootstrap-kubeconfig <file>', 'a kubeconfig with a bootstrap token: when --kubeconfig does not exist or its certificate expired, request a client certificate with it, as a kubelet joins, and renew it before it expires')
    .option('--context <name>', 'the kubeconfig context to use (default: its current context)')
    .option('--node-name <name>', 'the Node to register (default: the host name)')
    .option('--address <ip>', "the node's address: its InternalIP, the pods' hostIP and podIP (default: --kubelet-address when it is one address, else the first non-loopback IPv4)")
    .option('--kubelet-address <ip>', 'the address the kubelet endpoint listens on', '0.0.0.0')
    .addOption(new Option('--kubelet-port <port>', 'the port of the kubelet endpoint (logs, exec, attach, port-forward, metrics)').argParser(parsePort).default(DEFAULT_KUBELET_PORT))
    .option('--kubelet-cert <file>', "the kubelet endpoint's serving certificate (default: a self-signed one)")
    .option('--kubelet-key <file>', 'its key')
    .option('--rotate-server-certificates', "request the kubelet endpoint's certificate from the cluster with a kubernetes.io/kubelet-serving CSR (an operator approves it: kubectl certificate approve), and renew it before it expires, as the kubelet's flag does; until it is signed the endpoint serves a self-signed one")
    .option('--client-ca-file <file>', "the CA of the API server's client certificate at the kubelet endpoint (default: the kubeconfig's CA)")
    .addOption(new Option('--register-with-taints <taints>', 'the taints the Node is created with, key=value:Effect comma-separated, as the kubelet\'s flag; the default lets only workloads that tolerate it (HostProcess pods) be scheduled here; "" for none')
      .argParser(taintsArgument).default([HOSTPROCESS_TAINT], formatTaint(HOSTPROCESS_TAINT)))
    .addOption(new Option('--mount-mode <mode>', 'bind or sandbox (default: the config file\'s runtime.mountMode, else bind)').choices(['bind', 'sandbox']))
    .addOption(syncFrequencyOption())
    .action((flags: AgentFlags) =>
      runReported(io, exit, async () => (await import('./agent-handler.js')).joinCluster(flags, io)),
    );
}
