/**
 * What one case came to on one side (the real API server, hostpod's control plane, hostpod lint),
 * in one shape: admitted or not, the Status' field errors, the message of a 400 or 403 with the
 * Pod Security reasons, and the warnings; and what differs between two outcomes.
 */

export type Verdict = 'admitted' | 'invalid' | 'forbidden' | 'bad request' | 'unreadable' | `status ${number}`;

export interface Outcome {
  verdict: Verdict;
  /** The HTTP status, where there was a response. */
  code?: number;
  /** A 422's causes as `field: type: message`, sorted, each once. */
  errors: string[];
  /** A 400's or 403's Status message. */
  message: string;
  /** The reasons of a Pod Security denial: `host namespaces`, `hostProcess`, ... */
  reasons: string[];
  /** The Warning headers' texts, sorted, each once. */
  warnings: string[];
}

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; reason?: string; message?: string }[] };
}

const VIOLATES = /violates PodSecurity "[^"]*": (.*)$/s;

/**
 * The reasons of a Pod Security message: `a (x, y), b, c (z)` is [a, b, c]. Details may hold
 * commas and parentheses, so only a comma outside parentheses ends a reason.
 */
export function podSecurityReasons(message: string): string[] {
  const detail = VIOLATES.exec(message)?.[1];
  if (detail === undefined) return [];
  const reasons: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= detail.length; i++) {
    const ch = detail[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if ((ch === ',' && depth === 0) || ch === undefined) {
      const item = detail.slice(start, i).trim();
      const paren = item.indexOf(' (');
      reasons.push(paren === -1 ? item : item.slice(0, paren));
      start = i + 1;
    }
  }
  return reasons;
}

const sortedSet = (items: readonly string[]): string[] => [...new Set(items)].sort();

/** The outcome of an HTTP answer to a create: its status, Status body and Warning headers. */
export function outcomeOfResponse(code: number, body: string, warnings: readonly string[]): Outcome {
  const outcome: Outcome = { verdict: 'admitted', code, errors: [], message: '', reasons: [], warnings: sortedSet(warnings) };
  if (code >= 200 && code < 300) return outcome;
  let status: StatusBody = {};
  try {
    status = JSON.parse(body) as StatusBody;
  } catch {
    status = { message: body };
  }
  outcome.message = status.message ?? '';
  if (code === 422) {
    outcome.verdict = 'invalid';
    outcome.errors = sortedSet((status.details?.causes ?? []).map((c) => `${c.field ?? ''}: ${c.reason ?? ''}: ${c.message ?? ''}`));
    // The field errors say it all; the message is the same causes joined.
    outcome.message = '';
  } else if (code === 403) {
    outcome.verdict = 'forbidden';
    outcome.reasons = podSecurityReasons(outcome.message);
  } else if (code === 400) {
    outcome.verdict = 'bad request';
  } else {
    outcome.verdict = `status ${code}`;
  }
  return outcome;
}

/** `299 - "text"` (escaped as Go's net/http/httpguts quotes it) to the text. */
export function warningText(header: string): string {
  const match = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/s.exec(header);
  if (!match) return header;
  return match[1]!.replace(/\\(.)/gs, '$1');
}

/**
 * What differs between `expected` (the real API server's) and `actual`, one line each; empty
 * when they agree. The HTTP status is compared only when both sides have one; warnings only when
 * `warnings` says so (an invalid object gets none from the API server, which validates before
 * Pod Security runs, while lint reports both).
 */
export function differences(expected: Outcome, actual: Outcome, options: { warnings: boolean }): string[] {
  const out: string[] = [];
  if (expected.verdict !== actual.verdict) out.push(`verdict: ${expected.verdict} != ${actual.verdict}`);
  if (expected.code !== undefined && actual.code !== undefined && expected.code !== actual.code) out.push(`HTTP status: ${expected.code} != ${actual.code}`);
  const listDiff = (what: string, a: readonly string[], b: readonly string[]): void => {
    const missing = a.filter((x) => !b.includes(x));
    const extra = b.filter((x) => !a.includes(x));
    for (const m of missing) out.push(`${what} missing: ${m}`);
    for (const e of extra) out.push(`${what} extra: ${e}`);
  };
  listDiff('error', expected.errors, actual.errors);
  if (expected.message !== actual.message) out.push(`message:\n      real:   ${expected.message}\n      hostpod: ${actual.message}`);
  if (expected.verdict === 'forbidden' || actual.verdict === 'forbidden') listDiff('reason', expected.reasons, actual.reasons);
  if (options.warnings) listDiff('warning', expected.warnings, actual.warnings);
  return out;
}
