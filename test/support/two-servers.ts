/**
 * The same request to the real kube-apiserver and to hostpod's control plane, and their answers
 * in a form that can be compared: the status, the `Status` body's reason, message and details,
 * and the `Warning` headers' texts, with what must differ between two servers (uids,
 * resourceVersions, timestamps, server addresses) replaced by placeholders.
 */
import { request } from 'node:https';
import type { ControlPlane } from '../../src/controlplane/control-plane.js';
import type { RealCluster } from './real-cluster.js';

/** One request, sent byte for byte. */
export interface Sent {
  method: string;
  path: string;
  body?: string;
  /** application/json unless given. */
  contentType?: string;
}

/** An answer as the tests compare it. */
export interface Answer {
  status: number;
  /** The `Status` of a failure: reason, message and details, normalized. */
  reason?: string;
  message?: string;
  details?: unknown;
  /** The texts of the `Warning` headers, in order. */
  warnings: string[];
  /** Of a success: the keys of the object sent back that are among the `unknown` keys asked about. */
  echoed?: string[];
}

/** Where a request goes: a server's URL, its CA and the admin's credentials. */
export interface Server {
  name: string;
  url: string;
  ca: string;
  token?: string;
  cert?: string;
  key?: string;
}

export function realServer(cluster: RealCluster): Server {
  return { name: 'kube-apiserver', url: cluster.server, ca: cluster.files.ca.cert, cert: cluster.files.admin.cert, key: cluster.files.admin.key };
}

export function hostpodServer(plane: ControlPlane): Server {
  return { name: 'hostpod', url: plane.url, ca: plane.pki.ca.cert, token: plane.tokens.adminToken };
}

/** Sends `sent` to `server` as the admin; resolves with the status, the Warning headers and the body. */
export function send(server: Server, sent: Sent): Promise<{ status: number; warnings: string[]; body: string }> {
  const body = sent.body === undefined ? undefined : Buffer.from(sent.body);
  return new Promise((resolve, reject) => {
    const req = request(new URL(sent.path, server.url), {
      method: sent.method, ca: server.ca, agent: false,
      ...(server.cert ? { cert: server.cert, key: server.key } : {}),
      headers: {
        ...(server.token ? { Authorization: `Bearer ${server.token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': sent.contentType ?? 'application/json', 'Content-Length': String(body.length) }),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        warnings: (res.headersDistinct['warning'] ?? []).flatMap(warningTexts),
        body: Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends `sent` and returns the answer in its comparable form; of a success, which of the
 * `unknown` keys the object sent back has anywhere (a server that drops unknown fields has none).
 */
export async function answer(server: Server, sent: Sent, unknown: readonly string[] = []): Promise<Answer> {
  const r = await send(server, sent);
  const result: Answer = { status: r.status, warnings: r.warnings.map(normalizeText) };
  if (r.status < 300) return unknown.length === 0 ? result : { ...result, echoed: keysAmong(JSON.parse(r.body), unknown) };
  let status: { reason?: string; message?: string; details?: unknown };
  try {
    status = JSON.parse(r.body) as typeof status;
  } catch {
    return { ...result, message: `(not JSON) ${r.body}` };
  }
  return {
    ...result,
    ...(status.reason === undefined ? {} : { reason: status.reason }),
    ...(status.message === undefined ? {} : { message: normalizeText(status.message) }),
    ...(status.details === undefined ? {} : { details: normalizeDetails(status.details) }),
  };
}

/**
 * The texts of one `Warning` header value: `299 - "text"`, several joined by commas when a client
 * or proxy folds them.
 */
function warningTexts(value: string): string[] {
  const texts: string[] = [];
  const pattern = /\d{3} \S+ ("(?:[^"\\]|\\.)*")/g;
  for (let match = pattern.exec(value); match; match = pattern.exec(value)) {
    texts.push(match[1]!.slice(1, -1).replace(/\\(.)/g, '$1'));
  }
  return texts;
}

/** The keys of `value`, at any depth, that are in `wanted`, sorted. */
function keysAmong(value: unknown, wanted: readonly string[]): string[] {
  const found = new Set<string>();
  const walk = (item: unknown): void => {
    if (Array.isArray(item)) item.forEach(walk);
    if (typeof item !== 'object' || item === null) return;
    for (const [key, child] of Object.entries(item)) {
      if (wanted.includes(key)) found.add(key);
      walk(child);
    }
  };
  walk(value);
  return [...found].sort();
}

function normalizeDetails(details: unknown): unknown {
  if (typeof details !== 'object' || details === null) return details;
  const { causes, ...rest } = details as { uid?: string; causes?: { message?: string }[] };
  delete rest.uid;
  return {
    ...rest,
    ...(causes ? { causes: causes.map((c) => ({ ...c, ...(c.message === undefined ? {} : { message: normalizeText(c.message) }) })) } : {}),
  };
}

/**
 * A message or warning with its identities replaced, and each object it prints (`Invalid value:
 * "{...}"`, a patched object as JSON) put in a canonical form: keys sorted, one value each (the
 * last), without metadata.managedFields. Go prints the fields a patch did not touch in its struct
 * order and hostpod in its own, a value a JSON patch adds with a repeated key keeps every
 * occurrence in Go and the last in hostpod, and hostpod keeps no managedFields; everything else
 * must agree.
 */
export function normalizeText(text: string): string {
  const printed = text.replace(/Invalid value: ("(?:[^"\\]|\\.)*")/g, (whole, literal: string) => {
    const value = JSON.parse(literal) as string;
    if (!value.startsWith('{')) return whole;
    let object: unknown;
    try {
      object = JSON.parse(value);
    } catch {
      return whole;
    }
    return `Invalid value: ${JSON.stringify(JSON.stringify(canonical(object, [])))}`;
  });
  return printed
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uid>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/(\\*"resourceVersion\\*":\\*")\d+/g, '$1<rv>')
    .replace(/https:\/\/127\.0\.0\.1:\d+/g, '<server>');
}

/** Keys in Go's byte order, recursively; metadata.managedFields left out. */
function canonical(value: unknown, path: string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => canonical(item, [...path, '[]']));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const key of keys) {
    if (path.length === 1 && path[0] === 'metadata' && key === 'managedFields') continue;
    Object.defineProperty(out, key, { value: canonical((value as Record<string, unknown>)[key], [...path, key]), enumerable: true });
  }
  return out;
}
