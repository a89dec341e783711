/**
 * An API server the differential test sends cases to: one keep-alive HTTPS agent with a few
 * sockets, so thousands of dry runs cost no connection each, and the answers' Warning headers
 * kept one by one (Node joins repeated headers with commas, which warnings contain).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { parse } from 'yaml';
import type { RealCluster } from '../real-cluster.js';
import { warningText } from './outcome.js';

export interface Answer {
  code: number;
  body: string;
  warnings: string[];
}

export interface ApiTarget {
  name: string;
  send(method: string, path: string, body?: string): Promise<Answer>;
  close(): void;
}

interface Credentials {
  ca: string;
  cert?: string;
  key?: string;
  token?: string;
}

function target(name: string, server: string, credentials: Credentials, sockets: number): ApiTarget {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, ca: credentials.ca, ...(credentials.cert ? { cert: credentials.cert, key: credentials.key } : {}) });
  const auth = credentials.token ? { Authorization: `Bearer ${credentials.token}` } : {};
  return {
    name,
    send(method, path, body) {
      return send(method, path, body, true);
    },
    close: () => agent.destroy(),
  };

  /**
   * One request. A kept-alive socket the server closed just as it was reused hangs up before any
   * answer: the request was not read, so it is sent once more on a new socket (what Node's
   * documentation of `reusedSocket` advises), not reported as the server's failure.
   */
  function send(method: string, path: string, body: string | undefined, retry: boolean): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, server), {
        method, agent, timeout: 60_000,
        headers: { ...auth, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }) },
      }, (res) => {
        const chunks: Buffer[] = [];
        const warnings: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i]!.toLowerCase() === 'warning') warnings.push(warningText(res.rawHeaders[i + 1]!));
        }
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), warnings }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${name}: ${method} ${path} timed out`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (retry && req.reusedSocket && error.code === 'ECONNRESET') send(method, path, body, false).then(resolve, reject);
        else reject(error);
      });
      req.end(body);
    });
  }
}

/** A real cluster, as its admin (client certificate). */
export function realTarget(name: string, cluster: RealCluster, sockets: number): ApiTarget {
  const { ca, admin } = cluster.files;
  return target(name, cluster.server, { ca: ca.cert, cert: admin.cert, key: admin.key }, sockets);
}

/** The server of a hostpod admin kubeconfig (token). */
export function kubeconfigTarget(name: string, kubeconfig: string, sockets: number): ApiTarget {
  const config = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] };
  const cluster = config.clusters[0]!.cluster;
  return target(name, cluster.server, { ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString(), token: config.users[0]!.user.token }, sockets);
}

/** Runs `work` over `items` with at most `limit` at a time, keeping their order in the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
