/**
 * `hostpod webhook`: the admission webhook server that real clusters register, in the
 * foreground until SIGTERM or SIGINT. The command line; the work is in webhook-handler.ts,
 * loaded when the command runs.
 */
import { Command, Option } from 'commander';
import { parsePort } from './agent.js';
import type { CommandIO } from './io.js';
import { runReported } from './report-errors.js';

export interface WebhookFlags {
  cert: string;
  key: string;
  config?: string;
  address: string;
  port: number;
}

export function webhookCommand(io: CommandIO, exit: { code: number }): Command {
  return new Command('webhook')
    .description('serve admission webhooks (AdmissionReview v1) that check and default HostProcess pods, in the foreground')
    .requiredOption('--cert <file>', 'the serving certificate (PEM), read again when it changes (required)')
    .requiredOption('--key <file>', 'its private key (PEM), read again when it changes (required)')
    .option('--config <file>', 'the webhook configuration (YAML): which advice denies and which warns, the time budget, the mutating defaults (default: advice warns, no defaults)')
    .option('--address <ip>', 'the address to listen on', '0.0.0.0')
    .addOption(new Option('--port <port>', 'the port to listen on (0 picks a free one)').argParser(parsePort).default(8443))
    .action((flags: WebhookFlags) =>
      runReported(io, exit, async () => (await import('./webhook-handler.js')).serveWebhook(flags, io)),
    );
}
