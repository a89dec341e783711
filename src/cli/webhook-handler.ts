/** What `hostpod webhook` does: loads the configuration, serves until a stop signal, then closes. */
import { defaultWebhookConfig, loadWebhookConfig, startWebhookServer } from '../webhook/index.js';
import { exitOnSecondSignal, jsonLog, stopSignal, type CommandIO } from './io.js';
import type { WebhookFlags } from './webhook.js';

/** Serves the webhook until SIGTERM or SIGINT; logs one JSON object per line on stderr. */
export async function serveWebhook(flags: WebhookFlags, io: CommandIO): Promise<void> {
  const log = jsonLog(io);
  const config = flags.config === undefined ? defaultWebhookConfig() : await loadWebhookConfig(flags.config);
  const server = await startWebhookServer({ certFile: flags.cert, keyFile: flags.key, config, host: flags.address, port: flags.port, log });
  // Listened for before the line that says it serves: a supervisor may signal as soon as it reads it.
  const stopping = stopSignal();
  log('info', 'webhook serving', { address: flags.address, port: server.port, config: flags.config ?? null, validate: config.validate });
  const signal = await stopping;
  exitOnSecondSignal(log, 'open reviews');
  log('info', `${signal}: stopping the webhook`);
  await server.close();
}
