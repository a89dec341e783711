/**
 * Label and field selectors, with kube-apiserver's syntax and errors. Hand-written: the grammar
 * is small and no maintained JavaScript library follows k8s.io/apimachinery's parser.
 */
import { badRequest } from './status-error.js';

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!' };

/** A parsed label selector: every requirement must hold. */
export type LabelSelector = Requirement[];

/**
 * Parses `a=b,c!=d,e in (f,g),!h,i`.
 * @throws StatusError 400 with the parser's message
 */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements: Requirement[] = [];
  for (const part of splitTopLevel(text)) {
    const clause = part.trim();
    if (clause === '') continue;
    const setMatch = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(clause);
    if (setMatch) {
      const values = setMatch[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '');
      requirements.push({ key: checkKey(setMatch[1]!, text), op: setMatch[2] as 'in' | 'notin', values });
      continue;
    }
    const opMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(clause);
    if (opMatch) {
      const key = checkKey(opMatch[1]!, text);
      const value = opMatch[3]!;
      requirements.push({ key, op: opMatch[2] === '!=' ? 'notin' : 'in', values: [value] });
      continue;
    }
    if (clause.startsWith('!')) {
      requirements.push({ key: checkKey(clause.slice(1).trim(), text), op: '!' });
      continue;
    }
    if (/^[^\s=!()]+$/.test(clause)) {
      requirements.push({ key: checkKey(clause, text), op: 'exists' });
      continue;
    }
    throw badRequest(`unable to parse requirement: found '${clause}', expected: in, notin, =, ==, !=, gt, lt`);
  }
  return requirements;
}

/** Parses a selector object (`spec.selector` of a workload) into requirements. */
export function selectorFromObject(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): LabelSelector {
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) requirements.push({ key, op: 'in', values: [value] });
  for (const e of selector?.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === 'in' || op === 'notin') requirements.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === 'exists') requirements.push({ key: e.key, op: 'exists' });
    else if (op === 'doesnotexist') requirements.push({ key: e.key, op: '!' });
  }
  return requirements;
}

export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const set = labels ?? {};
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(set, r.key);
    switch (r.op) {
      case 'in': return has && r.values.includes(set[r.key]!);
      case 'notin': return !has || !r.values.includes(set[r.key]!);
      case 'exists': return has;
      case '!': return !has;
    }
  });
}

function checkKey(key: string, text: string): string {
  if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(key) || key.length > 316) {
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${text}"`);
  }
  return key;
}

/** Splits on commas outside parentheses: `a in (b,c),d` is two clauses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses `metadata.name=x,status.phase!=Failed`. Supported fields are checked by the caller. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const requirements: FieldRequirement[] = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    requirements.push({ field: match[1]!, op: match[2] === '!=' ? '!=' : '=', value: match[3]! });
  }
  return requirements;
}
