/**
 * `hostpod up`: the embedded control plane in the foreground, with JSON-lines logs on stderr,
 * until SIGTERM or SIGINT. `hostpod kubeconfig` prints the admin kubeconfig again.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { ControlPlane, controlPlanePaths } from '../controlplane/control-plane.js';
import { HostpodError } from '../errors.js';
import { loadConfig } from '../config.js';
import type { CommandIO } from './io.js';
import { runReported } from './report-errors.js';
import { withDataOptions } from './runtime-context.js';

type Flags = { dataDir?: string; config?: string; listen: { host: string; port: number }; logRequests?: boolean };

export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected HOST:PORT, for example 127.0.0.1:6443 or [::1]:6443');
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

export function upCommand(io: CommandIO, exit: { code: number }): Command {
  return withDataOptions(new Command('up').description('run the embedded control plane (API server and controllers) in the foreground'))
    .addOption(new Option('--listen <host:port>', 'address to serve the Kubernetes API on').argParser(parseListen).default({ host: '127.0.0.1', port: 6443 }, '127.0.0.1:6443'))
    .option('--log-requests', 'log every API request')
    .action((flags: Flags) =>
      runReported(io, exit, async () => {
        const config = loadConfig(flags);
        const log = (level: string, msg: string, fields: Record<string, unknown> = {}): void => {
          io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
        };
        const plane = await ControlPlane.start({
          dataDir: config.dataDir,
          host: flags.listen.host,
          port: flags.listen.port,
          log,
          ...(flags.logRequests ? { logRequests: (entry) => log('info', 'request', { ...entry }) } : {}),
        });
        log('info', 'control plane ready', { url: plane.url, kubeconfig: plane.paths.kubeconfig, dataDir: config.dataDir });
        io.stdout.write(`hostpod: control plane serving on ${plane.url}\n`
          + `hostpod: admin kubeconfig written to ${plane.paths.kubeconfig}; use it with:\n`
          + `  export KUBECONFIG=${plane.paths.kubeconfig}\n  kubectl get namespaces\n`);
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGTERM', () => resolve('SIGTERM'));
          process.once('SIGINT', () => resolve('SIGINT'));
        });
        log('info', 'stopping', { signal });
        await plane.stop();
        log('info', 'stopped');
      }),
    );
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
