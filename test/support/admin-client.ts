/**
 * A small HTTPS client for a `hostpod up` running in another process, with the admin token and CA
 * of the kubeconfig it wrote: what chaos and load tests use to write and read while they break it.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse } from 'yaml';

export interface CallResult {
  status: number;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

export type AdminCall = (method: string, path: string, body?: unknown, options?: { timeoutMs?: number }) => Promise<CallResult>;

/** A client for the server named in `kubeconfig`; a call rejects when the connection fails. */
export function adminClient(kubeconfig: string): AdminCall {
  const config = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority-data': string } }[]; users: { user: { token: string } }[] };
  const server = config.clusters[0]!.cluster.server;
  const ca = Buffer.from(config.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString();
  const token = config.users[0]!.user.token;
  return (method, path, body, options = {}) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, server), {
        method, ca, agent: false,
        timeout: options.timeoutMs ?? 30_000,
        headers: { Authorization: `Bearer ${token}`, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, json: <T>() => JSON.parse(text) as T }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  };
}
