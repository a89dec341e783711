/**
 * How lint results read on a terminal: kubectl's wording for errors, denials and warnings.
 */
import { groupOf } from '../api/kinds.js';
import type { LoadProblem } from '../api/load-manifests.js';
import { failed, type LintResult } from './lint.js';
// server/report.js, not the folder's index: plain lint need not evaluate the server check.
import { overallOutcome, serverLines } from './server/report.js';

/** `daemonset.apps/privileged-daemonset`, as kubectl names objects. */
export function objectRef(result: LintResult): string {
  const kind = result.kind ?? '<no kind>';
  const group = groupOf(result.apiVersion ?? '');
  return `${kind.toLowerCase()}${group ? `.${group}` : ''}/${result.name ?? '<no name>'}`;
}

/** kubectl's rendering of a 422: one cause inline, several as a bulleted list. */
export function invalidMessage(result: LintResult): string {
  const prefix = `The ${result.kind ?? 'object'} "${result.name ?? ''}" is invalid`;
  const causes = [...new Set(result.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)))];
  if (causes.length === 0) return prefix;
  if (causes.length === 1) return `${prefix}: ${causes[0] ?? ''}`;
  return `${prefix}: \n${causes.map((c) => `* ${c}`).join('\n')}`;
}

function denialMessage(result: LintResult): string {
  const verdict = result.podSecurity;
  if (!verdict || verdict.allowed) return '';
  if (result.kind === 'Pod') {
    return `Error from server (Forbidden): error when creating "${source(result)}": pods "${result.name ?? ''}" is forbidden: ${verdict.message}`;
  }
  return `pods of ${objectRef(result)} would be forbidden: ${verdict.message}`;
}

/** How kubectl names the source of an object in `error when creating "..."`. */
function source(result: LintResult): string {
  return result.file === '-' ? 'STDIN' : result.file;
}

function status(result: LintResult): string {
  const parts = [result.valid ? 'valid' : 'invalid'];
  const verdict = result.podSecurity;
  if (verdict) {
    const lv = `${verdict.level}:${verdict.version}`;
    if (verdict.exempt) parts.push(`exempt from Pod Security (${verdict.exempt})`);
    else parts.push(verdict.allowed ? `allowed by PodSecurity "${lv}"` : `denied by PodSecurity "${lv}"`);
  }
  return parts.join(', ');
}

const indent = (text: string): string => text.split('\n').map((line) => `  ${line}`).join('\n');

/** The text block of one object: a status line, then its errors, denial and warnings, indented. */
export function formatResult(r: LintResult): string {
  const lines: string[] = [];
  const namespace = r.namespace ? ` -n ${r.namespace}` : '';
  const disagreement = r.server?.disagrees ? '; DISAGREES with the server' : '';
  lines.push(`${r.file}:${r.line}: ${objectRef(r)}${namespace}: ${status(r)}${disagreement}`);
  if (r.badRequest) lines.push(indent(`Error from server (BadRequest): error when creating "${source(r)}": ${r.badRequest}`));
  else if (!r.valid) lines.push(indent(invalidMessage(r)));
  const denial = denialMessage(r);
  if (denial) lines.push(indent(denial));
  for (const w of r.warnings) lines.push(indent(`Warning: ${w}`));
  if (r.server) lines.push(...serverLines(r.server, source(r), objectRef(r), r.warnings).map(indent));
  return `${lines.join('\n')}\n`;
}

/** Counts for the closing line of the text report. */
export class Summary {
  objects = 0;
  invalid = 0;
  denied = 0;
  failed = 0;
  problems = 0;
  /** With --server: the objects by the server's verdict, and those where it and hostpod disagree. */
  readonly server = { checked: 0, allowed: 0, refused: 0, unchecked: 0, pending: 0, disagreements: 0 };

  add(result: LintResult): void {
    this.objects++;
    if (!result.valid) this.invalid++;
    if (result.podSecurity?.allowed === false) this.denied++;
    if (failed(result)) this.failed++;
    if (result.server) {
      this.server.checked++;
      this.server[overallOutcome(result.server)]++;
      if (result.server.disagrees) this.server.disagreements++;
    }
  }

  problem(): void {
    this.problems++;
  }

  toString(): string {
    return `${this.objects} ${this.objects === 1 ? 'object' : 'objects'}: ${this.objects - this.failed} ok, ${this.invalid} invalid, ` +
      `${this.denied} denied by Pod Security${this.problems > 0 ? `, ${this.problems} unreadable` : ''}${this.#serverCounts()}`;
  }

  #serverCounts(): string {
    const s = this.server;
    if (s.checked === 0) return '';
    const optional = [s.unchecked > 0 ? `, ${s.unchecked} not checked` : '', s.pending > 0 ? `, ${s.pending} not checked yet` : ''].join('');
    return `; server: ${s.allowed} allowed, ${s.refused} refused${optional}, ${s.disagreements} ${s.disagreements === 1 ? 'disagreement' : 'disagreements'}`;
  }
}

/** `error: file:line:column: message` and the hint, for a file or document that could not be read. */
export function formatProblem(p: LoadProblem): string {
  const hint = p.hint ? `\n  hint: ${p.hint}` : '';
  // Whole-file problems already name the file in their message.
  if (p.line === undefined) return `error: ${p.message}${hint}`;
  const position = p.line === undefined ? '' : `:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
  const document = p.index === undefined ? '' : ` (document ${p.index})`;
  return `error: ${p.file === '-' ? '<stdin>' : p.file}${position}${document}: ${p.message}${hint}`;
}
