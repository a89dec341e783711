/**
 * The differential test's cases: Pods and the pod templates of DaemonSets, Deployments and Jobs,
 * generated from a seed (the same seed gives the same cases on every machine), each sent as JSON
 * text as written, so it can hold what a plain object cannot: duplicate fields.
 */
import { Random } from '../fuzz/random.js';
import { fromJson, toText, type Doc } from '../fuzz/json-text.js';
import { podAnnotations, podSpec } from './pod-specs.js';
import type { Gen } from './security-contexts.js';

/** The kinds a case may be, with where each keeps its pod spec. */
export const CASE_KINDS = {
  Pod: { apiVersion: 'v1', resource: 'pods', templatePath: [] as string[] },
  DaemonSet: { apiVersion: 'apps/v1', resource: 'daemonsets', templatePath: ['spec', 'template'] },
  Deployment: { apiVersion: 'apps/v1', resource: 'deployments', templatePath: ['spec', 'template'] },
  Job: { apiVersion: 'batch/v1', resource: 'jobs', templatePath: ['spec', 'template'] },
} as const;

export type CaseKind = keyof typeof CASE_KINDS;

export interface DiffCase {
  /** Where it came from: `seed 7 #42`, `examples/x.yaml#0`, `restricted/v1.0/fail/x.yaml`. */
  id: string;
  kind: CaseKind;
  /** The request body, sent as is (without metadata.namespace: the request path gives it). */
  body: string;
  /** Pod Security fixtures are judged only at their own level and version. */
  fixture?: { level: 'baseline' | 'restricted'; version: string };
}

type Obj = Record<string, unknown>;

/** Unknown fields users write: a field at the wrong level, a wrong case, a typo. */
const UNKNOWN_FIELDS: readonly [path: 'spec' | 'securityContext' | 'windowsOptions' | 'container', key: string, value: unknown][] = [
  ['securityContext', 'hostProcess', true], ['spec', 'hostNetWork', true], ['windowsOptions', 'runAsUsername', 'NT AUTHORITY\\SYSTEM'],
  ['windowsOptions', 'hostprocess', true], ['container', 'securityContex', {}], ['spec', 'windowsOptions', { hostProcess: true }],
  ['container', 'hostNetwork', true],
];

/** Values of the wrong JSON type, or malformed: the API server cannot decode them (400). */
const BAD_TYPES: readonly [path: 'spec' | 'windowsOptions' | 'container', key: string, value: unknown][] = [
  ['spec', 'hostNetwork', 'true'], ['windowsOptions', 'hostProcess', 'true'], ['windowsOptions', 'runAsUserName', 1000],
  ['container', 'ports', [{ containerPort: '80' }]], ['container', 'resources', { limits: { cpu: 'one' } }],
  ['container', 'resources', { requests: { memory: '1.5.5Gi' } }], ['spec', 'securityContext', { runAsUser: '1000' }],
];

/** Keys repeated in one object: the first value is kept in the text, the last one wins. */
const DUPLICATES: readonly [path: 'spec' | 'windowsOptions' | 'container', key: string, value: unknown][] = [
  ['spec', 'hostNetwork', false], ['windowsOptions', 'hostProcess', false], ['container', 'name', 'other'], ['container', 'image', 'busybox'],
];

function objectAt(root: Obj, path: readonly string[]): Obj | undefined {
  let current: unknown = root;
  for (const key of path) current = typeof current === 'object' && current !== null ? (current as Obj)[key] : undefined;
  return typeof current === 'object' && current !== null && !Array.isArray(current) ? (current as Obj) : undefined;
}

/** The object of `where` in the pod spec at `specPath`, created where that is needed. */
function place(root: Obj, specPath: readonly string[], where: string, random: Random): string[] | undefined {
  const spec = objectAt(root, specPath);
  if (!spec) return undefined;
  const containers = Array.isArray(spec['containers']) ? (spec['containers'] as Obj[]) : [];
  if (where === 'spec') return [...specPath];
  if (where === 'securityContext') {
    spec['securityContext'] ??= {};
    return [...specPath, 'securityContext'];
  }
  if (containers.length === 0) return undefined;
  const index = random.int(containers.length);
  if (where === 'container') return [...specPath, 'containers', String(index)];
  const sc = (containers[index]!['securityContext'] ??= {}) as Obj;
  sc['windowsOptions'] ??= {};
  return [...specPath, 'containers', String(index), 'securityContext', 'windowsOptions'];
}

function docAt(doc: Doc, path: readonly string[]): Doc | undefined {
  let current: Doc | undefined = doc;
  for (const key of path) {
    if (current?.t === 'obj') current = current.entries.find(([k]) => k === key)?.[1];
    else if (current?.t === 'arr') current = current.items[Number(key)];
    else return undefined;
  }
  return current;
}

/** Case `index` of the run seeded with `seed`. */
export function generateCase(seed: number, index: number): DiffCase {
  const random = Random.forRequest(seed, index);
  const gen: Gen = {
    random,
    flaw: random.weighted([[4, 0], [4, 0.02], [2, 0.08]]),
    hardened: random.chance(0.3),
    hostProcess: undefined,
  };
  const kind = random.weighted<CaseKind>([[50, 'Pod'], [20, 'DaemonSet'], [15, 'Deployment'], [15, 'Job']]);
  const spec = podSpec(gen, kind === 'Job' ? random.weighted([[5, 'Never'], [4, 'OnFailure'], [gen.flaw * 10, 'Always']]) : undefined);
  const name = random.chance(gen.flaw) ? random.pick(['Upper-Case', 'dot.ted.name', 'under_score', 'x'.repeat(254), 'trailing-']) : `case-${index}`;
  const annotations = podAnnotations(gen, spec);
  const labels: Record<string, string> = { app: `case-${index % 7}` };
  if (random.chance(gen.flaw)) {
    const [key, value] = random.pick<[string, string]>([['app', 'v'.repeat(64)], ['example.com/', 'x'], ['Bad Key', 'x'], ['k'.repeat(64), 'x'], ['a/b/c', 'x'], ['tier', '-x-']]);
    labels[key] = value;
  }
  let object: Obj;
  if (kind === 'Pod') {
    object = { apiVersion: 'v1', kind, metadata: { name, labels, ...(annotations ? { annotations } : {}) }, spec };
  } else {
    const template = { metadata: { labels: random.chance(gen.flaw) ? { app: 'other' } : labels, ...(annotations ? { annotations } : {}) }, spec };
    const workload: Obj = { template };
    if (kind !== 'Job' && random.chance(gen.flaw)) {
      const selector = random.pick<Obj | undefined>([
        undefined, {}, { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, { matchExpressions: [{ key: 'app', operator: 'In' }] },
        { matchExpressions: [{ key: 'app', operator: 'Bogus', values: ['x'] }] }, { matchLabels: { app: 'elsewhere' } },
      ]);
      if (selector) workload['selector'] = selector;
    } else if (kind !== 'Job') {
      workload['selector'] = { matchLabels: labels };
    }
    if (kind === 'Deployment') workload['replicas'] = 1;
    if (kind === 'Job') workload['backoffLimit'] = 0;
    object = { apiVersion: CASE_KINDS[kind].apiVersion, kind, metadata: { name }, spec: workload };
  }
  const specPath = [...CASE_KINDS[kind].templatePath, 'spec'];

  const mutation = random.weighted([[90, 'none'], [4, 'unknown'], [3, 'type'], [3, 'duplicate']] as const);
  let duplicate: { path: string[]; key: string; value: unknown } | undefined;
  if (mutation !== 'none') {
    const [where, key, value] = random.pick(mutation === 'unknown' ? UNKNOWN_FIELDS : mutation === 'type' ? BAD_TYPES : DUPLICATES);
    const path = place(object, specPath, where, random);
    const target = path && objectAt(object, path);
    if (target && mutation === 'duplicate') duplicate = { path: path, key, value };
    else if (target) target[key] = value;
  }
  const doc = fromJson(object);
  const target = duplicate && docAt(doc, duplicate.path);
  if (duplicate && target?.t === 'obj') {
    // The repeated key goes first, so the generated value (last) is the one that wins; a key the
    // object lacks is written twice.
    if (!target.entries.some(([k]) => k === duplicate.key)) target.entries.push([duplicate.key, fromJson(duplicate.value)]);
    target.entries.unshift([duplicate.key, fromJson(duplicate.value)]);
  }
  return { id: `seed ${seed} #${index}`, kind, body: toText(doc) };
}

/** Cases `0 .. count-1` of `seed`. */
export function generateCases(seed: number, count: number): DiffCase[] {
  return Array.from({ length: count }, (_, i) => generateCase(seed, i));
}
