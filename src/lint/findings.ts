/**
 * A lint result as a flat list of findings (rule, level, message, place), the shape SARIF and
 * JUnit reports are written from.
 */
import type { LoadProblem } from '../api/load-manifests.js';
import { ADVISORY_RULES } from './containerd/index.js';
import type { LintResult } from './lint.js';
import { invalidMessage } from './report.js';

export type FindingLevel = 'error' | 'warning';

export interface Finding {
  rule: string;
  level: FindingLevel;
  message: string;
  file: string;
  line?: number;
  column?: number;
  /** The field the finding is about, when it has one (`spec.template.spec.containers[0].args`). */
  field?: string;
}

/** The rules hostpod's own findings use, with what they mean and where to read more. */
export const LINT_RULES: Readonly<Record<string, { description: string; url: string }>> = {
  'hostpod-invalid': { description: 'the API server would refuse the object: a field is invalid', url: 'https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation' },
  'hostpod-bad-request': { description: 'the API server could not decode the object', url: 'https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation' },
  'hostpod-pod-security': { description: 'Pod Security admission would refuse the pods', url: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/' },
  'hostpod-warning': { description: 'the API server would warn, or hostpod advises against it', url: 'https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/' },
  'hostpod-unreadable': { description: 'a file or document could not be read or parsed: nothing in it was checked', url: 'https://kubernetes.io/docs/concepts/overview/working-with-objects/' },
  ...ADVISORY_RULES,
};

/** The findings of one object: errors, its Pod Security denial, the advisor's and other warnings. */
export function findingsOf(r: LintResult): Finding[] {
  const at = { file: r.file, line: r.line };
  const findings: Finding[] = [];
  if (r.badRequest) findings.push({ ...at, rule: 'hostpod-bad-request', level: 'error', message: r.badRequest });
  else if (!r.valid) {
    for (const e of r.errors) findings.push({ ...at, rule: 'hostpod-invalid', level: 'error', message: e.field ? `${e.field}: ${e.message}` : e.message, ...(e.field ? { field: e.field } : {}) });
    if (r.errors.length === 0) findings.push({ ...at, rule: 'hostpod-invalid', level: 'error', message: invalidMessage(r) });
  }
  if (r.podSecurity && !r.podSecurity.allowed) findings.push({ ...at, rule: 'hostpod-pod-security', level: 'error', message: r.podSecurity.message });
  const advised = new Set<string>();
  for (const a of r.advisories ?? []) {
    const text = `${a.field}: ${a.message}`;
    advised.add(text);
    findings.push({ ...at, rule: a.rule, level: 'warning', message: text, field: a.field });
  }
  for (const w of r.warnings) if (!advised.has(w)) findings.push({ ...at, rule: 'hostpod-warning', level: 'warning', message: w });
  return findings;
}

/** A file or document that could not be read, as a finding. */
export function problemFinding(p: LoadProblem): Finding {
  return {
    rule: 'hostpod-unreadable', level: 'error', message: p.hint ? `${p.message} (${p.hint})` : p.message, file: p.file,
    ...(p.line === undefined ? {} : { line: p.line }), ...(p.column === undefined ? {} : { column: p.column }),
  };
}

