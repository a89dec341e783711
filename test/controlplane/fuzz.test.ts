/**
 * Hostile input: a seeded fuzzer sends thousands of requests (odd bodies, paths, headers and
 * methods; see test/support/fuzz) to an in-process API server and asserts that it never answers
 * 500, that every error is a Kubernetes Status, and that it keeps serving: `GET
 * /api/v1/namespaces` succeeds between batches.
 *
 *   HOSTPOD_FUZZ_SEED=n        another seed (the default is fixed, so CI runs the same requests)
 *   HOSTPOD_FUZZ_REQUESTS=n    how many requests (default 10000)
 *   HOSTPOD_FUZZ_ONLY=i,j      only the requests of these indexes, to reproduce a failure
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { after, before, describe, test, type TestContext } from 'node:test';
import { api, startControlPlane, type StartedPlane } from '../support/controlplane.js';
import { fuzzRequest, type FuzzRequest } from '../support/fuzz/requests.js';

const SEED = Number(process.env['HOSTPOD_FUZZ_SEED'] ?? 141_014);
const COUNT = Number(process.env['HOSTPOD_FUZZ_REQUESTS'] ?? 10_000);
const ONLY = (process.env['HOSTPOD_FUZZ_ONLY'] ?? '').split(',').filter(Boolean).map(Number);
const CONCURRENCY = 8;
const BATCH = 250;
/** A request unanswered for this long means the server stopped serving it. */
const ANSWER_MS = 30_000;
const MAX_BODY_BYTES = 3 * 1024 * 1024;

let s: StartedPlane;
let agent: Agent;
before(async () => {
  s = await startControlPlane();
  agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: s.plane.pki.ca.cert });
  await api(s.plane, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fuzz' } } });
});
after(async () => {
  agent.destroy();
  await s.stop();
});

interface Answer {
  status?: number;
  contentType?: string;
  body: string;
  error?: string;
}

/** Sends one request as generated; a streaming answer is read up to its headers. */
function send(r: FuzzRequest): Promise<Answer> {
  const url = new URL(s.plane.url);
  return new Promise((resolve) => {
    let answer: Answer | undefined;
    const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path, agent, headers: {
      ...r.headers, ...(r.body === undefined || r.chunked ? {} : { 'Content-Length': String(r.body.length) }),
    } }, (res) => {
      answer = { status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: '' };
      if (r.streams && res.statusCode === 200) {
        req.destroy();
        resolve(answer);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ ...answer!, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ ...answer!, error: error.message }));
    });
    // An upgrade the server accepts (101): nothing more to check on the raw socket.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, body: '' });
    });
    req.setTimeout(ANSWER_MS, () => req.destroy(new Error(`no answer within ${ANSWER_MS} ms`)));
    req.on('error', (error) => resolve(answer ?? { body: '', error: error.message }));
    req.end(r.body);
  });
}

/** What is wrong with the answer, or undefined. */
function problem(r: FuzzRequest, a: Answer): string | undefined {
  if (a.status === undefined) {
    // A body past the limit may be cut off by the server's answer (413) while it is still sent.
    if ((r.body?.length ?? 0) > MAX_BODY_BYTES && /EPIPE|ECONNRESET|socket hang up/.test(a.error ?? '')) return undefined;
    if (r.beforeServer) return undefined;
    return `no answer: ${a.error ?? 'none'}`;
  }
  if (a.status === 500) return 'answered 500';
  if (a.status > 500 && a.status !== 503) return `answered ${a.status}`;
  if (r.beforeServer || r.method === 'HEAD' || a.status === 101 || (r.streams && a.status === 200)) return undefined;
  // Go's NotFound page: kube-apiserver's answer where no handler takes the path (a group only custom resources could serve).
  if (a.status === 404 && a.body === '404 page not found\n') return undefined;
  if (a.status >= 400) {
    let status: { kind?: unknown; apiVersion?: unknown; code?: unknown; message?: unknown };
    try {
      status = JSON.parse(a.body) as typeof status;
    } catch {
      return `error ${a.status} is not JSON`;
    }
    if (status.kind !== 'Status' || status.apiVersion !== 'v1' || status.code !== a.status || typeof status.message !== 'string') {
      return `error ${a.status} is not a Kubernetes Status`;
    }
    return undefined;
  }
  if (a.contentType?.startsWith('application/json') && a.body !== '') {
    try {
      JSON.parse(a.body);
    } catch {
      return 'a JSON answer that does not parse';
    }
  }
  return undefined;
}

/** The request, printable and enough to send again by hand. */
function describeRequest(r: FuzzRequest, adminToken: string): string {
  const headers = JSON.stringify(r.headers).replaceAll(adminToken, '<admin token>');
  let body = 'none';
  if (r.body !== undefined) {
    const text = r.body.toString('utf8');
    const valid = Buffer.from(text, 'utf8').equals(r.body);
    body = `${r.body.length} bytes, ${valid ? `text ${JSON.stringify(text.slice(0, 300))}` : `hex ${r.body.subarray(0, 120).toString('hex')}`}${r.body.length > 300 ? ' ...' : ''}`;
  }
  return `#${r.index} ${r.method} ${r.path.slice(0, 400)} headers ${headers.slice(0, 400)} body ${body}`;
}

async function runBatch(indexes: number[], failures: string[], statuses: Map<string, number>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < indexes.length) {
      // Requests are made in index order whatever the order they are answered in.
      const r = fuzzRequest(SEED, indexes[next++]!, s.plane.tokens.adminToken);
      const answer = await send(r);
      const key = String(answer.status ?? 'none');
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      const wrong = problem(r, answer);
      if (wrong !== undefined) {
        failures.push(`${wrong}: ${describeRequest(r, s.plane.tokens.adminToken)}\n    answer: ${answer.status ?? '-'} ${answer.body.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

describe('hostile input', () => {
  test('hostile input fuzzing: the API server never answers 500, answers errors as Status, and keeps serving', async (t: TestContext) => {
    const indexes = ONLY.length > 0 ? ONLY : Array.from({ length: COUNT }, (_, i) => i);
    t.diagnostic(`fuzz seed ${SEED}, ${indexes.length} requests (HOSTPOD_FUZZ_SEED, HOSTPOD_FUZZ_REQUESTS, HOSTPOD_FUZZ_ONLY)`);
    const failures: string[] = [];
    const statuses = new Map<string, number>();
    const started = performance.now();
    for (let from = 0; from < indexes.length; from += BATCH) {
      await runBatch(indexes.slice(from, from + BATCH), failures, statuses);
      const alive = await api(s.plane, 'GET', '/api/v1/namespaces');
      assert.equal(alive.status, 200, `GET /api/v1/namespaces after request ${indexes[Math.min(from + BATCH, indexes.length) - 1]} answered ${alive.status}: ${alive.body.slice(0, 300)}`);
    }
    t.diagnostic(`fuzz sent ${indexes.length} requests in ${Math.round(performance.now() - started)} ms; ${failures.length} failed`);
    t.diagnostic(`fuzz answers: ${[...statuses].sort(([a], [b]) => a.localeCompare(b)).map(([status, n]) => `${status}: ${n}`).join(', ')}`);
    const reproduce = `reproduce with HOSTPOD_FUZZ_SEED=${SEED} HOSTPOD_FUZZ_ONLY=<index> node --import tsx --test test/controlplane/fuzz.test.ts`;
    assert.deepEqual(failures.slice(0, 25), [], `${failures.length} of ${indexes.length} requests failed (seed ${SEED}); ${reproduce}`);
  });
});
