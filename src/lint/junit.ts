/**
 * Lint results as JUnit XML, the report most CI systems show as tests: a testsuite per file, a
 * testcase per object, a failure for each object that fails lint, warnings in system-out.
 */
import type { LoadProblem } from '../api/load-manifests.js';
import { findingsOf, problemFinding } from './findings.js';
import { failed, type LintResult } from './lint.js';
import { objectRef } from './report.js';

// Written by hand: the report is a few fixed elements, and escaping is the only subtle part.
const escape = (text: string): string => text
  // XML 1.0 cannot hold most control characters at all, even escaped.
  // eslint-disable-next-line no-control-regex -- matching them is the point
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
  .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Case { name: string; classname: string; failures: string[]; out: string[]; problem?: boolean }

/** The JUnit XML document. */
export function toJunit(results: readonly LintResult[], problems: readonly LoadProblem[]): string {
  const suites = new Map<string, Case[]>();
  const suite = (file: string): Case[] => {
    let cases = suites.get(file);
    if (!cases) suites.set(file, cases = []);
    return cases;
  };
  for (const p of problems) {
    const f = problemFinding(p);
    suite(p.file).push({ name: `${p.file}${p.line === undefined ? '' : `:${p.line}`}`, classname: p.file, failures: [f.message], out: [], problem: true });
  }
  for (const r of results) {
    const findings = findingsOf(r);
    suite(r.file).push({
      name: `${objectRef(r)}${r.namespace ? ` -n ${r.namespace}` : ''} (line ${r.line})`,
      classname: r.file,
      failures: failed(r) ? findings.filter((f) => f.level === 'error').map((f) => f.message) : [],
      out: findings.filter((f) => f.level === 'warning').map((f) => `Warning: ${f.message}`),
    });
  }
  const all = [...suites.values()].flat();
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="hostpod lint" tests="${all.length}" failures="${all.filter((c) => c.failures.length > 0 && !c.problem).length}" errors="${all.filter((c) => c.problem).length}">`];
  for (const [file, cases] of suites) {
    const failures = cases.filter((c) => c.failures.length > 0 && !c.problem).length;
    const errors = cases.filter((c) => c.problem).length;
    lines.push(`  <testsuite name="${escape(file)}" tests="${cases.length}" failures="${failures}" errors="${errors}">`);
    for (const c of cases) {
      lines.push(`    <testcase name="${escape(c.name)}" classname="${escape(c.classname)}">`);
      if (c.failures.length > 0) {
        const tag = c.problem ? 'error' : 'failure';
        lines.push(`      <${tag} message="${escape(c.failures[0] ?? '')}">${escape(c.failures.join('\n'))}</${tag}>`);
      }
      if (c.out.length > 0) lines.push(`      <system-out>${escape(c.out.join('\n'))}</system-out>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
