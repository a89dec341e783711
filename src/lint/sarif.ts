/**
 * Lint results as SARIF 2.1.0, the format GitHub code scanning and other CI tools read.
 */
import type { LoadProblem } from '../api/load-manifests.js';
import type { Position } from '../api/locate-field.js';
import { HOSTPOD_VERSION } from '../version.js';
import { findingsOf, LINT_RULES, problemFinding, type Finding } from './findings.js';
import type { LintResult } from './lint.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * One SARIF log with one run: the rules used, then a result per finding. `locate` gives the
 * position of a field of a result's object, when its file has it.
 */
export function toSarif(
  results: readonly LintResult[], problems: readonly LoadProblem[], locate: (result: LintResult, field: string) => Position | undefined = () => undefined,
): Record<string, unknown> {
  // A finding about a field points at the field where the YAML has it, else at the object.
  const located = (r: LintResult): Finding[] => findingsOf(r).map((f) => {
    const at = f.field === undefined ? undefined : locate(r, f.field);
    return at ? { ...f, line: at.line, column: at.column } : f;
  });
  const findings = [...problems.map(problemFinding), ...results.flatMap(located)];
  const ruleIds = [...new Set(findings.map((f) => f.rule))].sort();
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'hostpod',
          version: HOSTPOD_VERSION,
          informationUri: 'https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/',
          rules: ruleIds.map((id) => {
            const rule = LINT_RULES[id];
            return { id, shortDescription: { text: rule?.description ?? id }, ...(rule ? { helpUri: rule.url } : {}) };
          }),
        },
      },
      results: findings.map((f) => sarifResult(f, ruleIds.indexOf(f.rule))),
    }],
  };
}

function sarifResult(f: Finding, ruleIndex: number): Record<string, unknown> {
  const region = f.line === undefined ? undefined : { startLine: f.line, ...(f.column === undefined ? {} : { startColumn: f.column }) };
  return {
    ruleId: f.rule,
    ruleIndex,
    level: f.level,
    message: { text: f.message },
    locations: [{
      physicalLocation: { artifactLocation: { uri: uriOf(f.file) }, ...(region ? { region } : {}) },
      ...(f.field ? { logicalLocations: [{ fullyQualifiedName: f.field, kind: 'member' }] } : {}),
    }],
  };
}

/** A relative path as a relative URI reference (code scanning resolves it against the checkout); stdin as `stdin`. */
function uriOf(file: string): string {
  if (file === '-') return 'stdin';
  const path = file.replace(/\\/g, '/').replace(/^\.\//, '');
  return path.split('/').map((part) => encodeURIComponent(part)).join('/').replace(/^(%2F|\/)/, 'file:///');
}
