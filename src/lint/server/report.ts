/**
 * How a cluster's verdict reads on a terminal, under hostpod's: `server: allowed`, or the error
 * as kubectl apply prints it, its warnings, and a hint when there is something to do.
 */
import type { ServerCheck, ServerOutcome, ServerVerdict } from './verdict.js';

/**
 * The lines of the server's verdict on one object (unindented). `file` as kubectl names it, `ref`
 * the object (`daemonset.apps/x`), `shown` hostpod's warnings, which the server's are not repeated after.
 */
export function serverLines(check: ServerCheck, file: string, ref: string, shown: readonly string[]): string[] {
  const lines = verdictLines('server', check, file, shown);
  if (check.pods) lines.push(...verdictLines(`server: pods of ${ref}`, check.pods, undefined, shown));
  return lines;
}

function verdictLines(prefix: string, v: ServerVerdict, file: string | undefined, shown: readonly string[]): string[] {
  // The server's Pod Security warnings are, word for word, hostpod's: said once is enough.
  const repeated = v.warnings.filter((w) => shown.includes(w)).length;
  const same = repeated === 0 ? '' : repeated === 1 ? " (with hostpod's warning above)" : ` (with ${repeated} of hostpod's warnings above)`;
  const lines = [`${prefix}: ${headline(v, file)}${same}`];
  if (v.hint) lines.push(`  hint: ${v.hint}`);
  for (const w of v.warnings) if (!shown.includes(w)) lines.push(`${prefix}: Warning: ${w}`);
  return lines;
}

function headline(v: ServerVerdict, file: string | undefined): string {
  const how = v.request === 'patch' ? 'patching' : 'creating';
  switch (v.outcome) {
    case 'allowed':
      return v.request === 'patch' ? 'allowed (dry-run patch: it exists)' : 'allowed';
    case 'refused':
      if (v.request === undefined) return `error: ${v.message ?? ''}`;
      return `Error from server (${v.reason ?? ''}): ${file === undefined ? '' : `error when ${how} "${file}": `}${v.message ?? ''}`;
    case 'unchecked':
      return `not checked: ${v.message ?? ''}`;
    case 'pending':
      return `not checked yet: ${v.message ?? ''}`;
  }
}

/** The one word of an object's server verdict, its pods' refusal counting as the object's. */
export function overallOutcome(check: ServerCheck): ServerOutcome {
  const outcomes = [check.outcome, check.pods?.outcome];
  for (const o of ['refused', 'unchecked', 'pending'] as const) if (outcomes.includes(o)) return o;
  return 'allowed';
}
