/**
 * metrics-server's scrape loop, in the control plane: every resolution (15 s by default, as
 * metrics-server's manifest sets `--metric-resolution`), each Ready node's kubelet endpoint
 * `/metrics/resource` is read with the API server's kubelet-client credentials, and the round is
 * kept in the storage. A node that cannot be scraped drops out until it can, as in
 * metrics-server; the failure is logged once per change, not every round.
 */
import { request } from 'node:https';
import { isIP } from 'node:net';
import type { ObjectApi } from '../api/object-api.js';
import { isObject, metaOf, type Obj } from '../api/object-meta.js';
import { findResource } from '../resources/index.js';
import { kubeletEndpoint, type KubeletClientCredentials } from '../server/kubelet-proxy.js';
import { decodeBatch, type MetricsBatch } from './metrics-batch.js';
import type { MetricsStorage } from './metrics-storage.js';

/** metrics-server's default `--metric-resolution` in its manifest. */
export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;
/** metrics-server's `--kubelet-request-timeout`. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface ScraperOptions {
  api: ObjectApi;
  storage: MetricsStorage;
  credentials: KubeletClientCredentials;
  resolutionMs: number;
  log: (level: 'info' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export class MetricsScraper {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** The last failure logged per node, so a lasting one is logged once. */
  readonly #failures = new Map<string, string>();

  constructor(readonly options: ScraperOptions) {}

  /** Scrapes now, then every resolution, each round after the previous one ended. */
  start(): void {
    const round = (): void => {
      void this.scrapeOnce().finally(() => {
        if (this.#stopped) return;
        this.#timer = setTimeout(round, this.options.resolutionMs);
        this.#timer.unref();
      });
    };
    round();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** One round: every Ready node scraped at once, the round stored. */
  async scrapeOnce(): Promise<void> {
    const nodes = this.options.api.list(findResource('', 'v1', 'nodes')!, '').items.filter(isReady);
    const batches = new Map<string, MetricsBatch>();
    await Promise.all(nodes.map(async (node) => {
      const name = metaOf(node).name ?? '';
      try {
        const scrapedAt = Date.now();
        batches.set(name, decodeBatch(await this.#fetch(node), scrapedAt));
        if (this.#failures.delete(name)) this.options.log('info', 'scraping the node\'s resource metrics again', { node: name });
      } catch (error) {
        const message = (error as Error).message;
        if (this.#failures.get(name) !== message) this.options.log('error', 'cannot scrape the node\'s resource metrics', { node: name, error: message });
        this.#failures.set(name, message);
      }
    }));
    if (!this.#stopped) this.options.storage.store(batches);
  }

  #fetch(node: Obj): Promise<string> {
    const { host, port } = kubeletEndpoint(node);
    const { ca, client } = this.options.credentials;
    return new Promise<string>((resolve, reject) => {
      const req = request({
        host, port, path: '/metrics/resource', method: 'GET', ca, cert: client.cert, key: client.key,
        servername: isIP(host) ? '' : host, minVersion: 'TLSv1.2', agent: false, timeout: REQUEST_TIMEOUT_MS,
        headers: { accept: 'text/plain;version=0.0.4' },
      }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode === 200) resolve(body);
          else reject(new Error(`GET https://${host}:${port}/metrics/resource answered ${res.statusCode ?? 0}: ${body.trim().slice(0, 300)}`));
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET https://${host}:${port}/metrics/resource took more than ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', reject);
      req.end();
    });
  }
}

/** Whether a node's Ready condition is True. */
export function isReady(node: Obj): boolean {
  const status = isObject(node['status']) ? node['status'] : {};
  const conditions = Array.isArray(status['conditions']) ? status['conditions'] as { type?: string; status?: string }[] : [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}
