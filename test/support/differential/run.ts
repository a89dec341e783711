/**
 * The differential test of validation and Pod Security (issue 17): every case goes, as a
 * server-side dry run, to a real kube-apiserver in namespaces of each Pod Security level and to
 * hostpod's control plane (`hostpod up --no-node`; it serves Pods, DaemonSets, Deployments and Jobs) with the same
 * namespaces, to a second pair started with --allow-privileged=false, and through `hostpod lint
 * -o json` with the same labels and flags. The real API server's answer is the expected one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUp, type UpProcess } from '../hostpod-up.js';
import { KUBERNETES_VERSION } from '../kube-binaries.js';
import { freePort, startRealCluster, type RealCluster } from '../real-cluster.js';
import { kubeconfigTarget, mapLimit, realTarget, type ApiTarget } from './api-target.js';
import { CASE_KINDS, generateCases, type DiffCase } from './cases.js';
import { conformanceCases, exampleCases } from './fixture-cases.js';
import { lintFiles, type LintFile } from './lint-target.js';
import { CASE_NAMESPACES, fixtureNamespace, lintLabelArgs, namespaceObject, NO_PRIVILEGED_NAMESPACE, VERSIONED_NAMESPACES, type NamespaceConfig } from './namespaces.js';
import { differences, outcomeOfResponse, type Outcome } from './outcome.js';

export interface DiffOptions {
  seed: number;
  count: number;
  /** Also every example manifest and every conformance fixture (default true). */
  fixedCases?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** One disagreement: a case, where it was judged, by whom, and what differs. */
export interface Mismatch {
  id: string;
  namespace: string;
  /** `lint`, `lint --allow-privileged=false` or `control plane`. */
  side: string;
  lines: string[];
  body: string;
}

export interface DiffReport {
  cases: number;
  /** Conformance fixtures of Pod Security versions newer than the real API server, not compared. */
  newerFixtures: number;
  comparisons: number;
  mismatches: Mismatch[];
  /** Phase durations, ms. */
  timings: Record<string, number>;
}

/** One case in one namespace of one server. */
interface Trial {
  index: number;
  namespace: NamespaceConfig;
}

const CONTROL_PLANE_KINDS = new Set(['Pod', 'DaemonSet', 'Deployment', 'Job']);

function createPath(kind: DiffCase['kind'], namespace: string): string {
  const { apiVersion, resource } = CASE_KINDS[kind];
  const prefix = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
  // kubectl's default --validate=strict asks for strict field validation.
  return `${prefix}/namespaces/${namespace}/${resource}?dryRun=All&fieldValidation=Strict`;
}

async function createNamespaces(target: ApiTarget, configs: readonly NamespaceConfig[]): Promise<void> {
  await mapLimit(configs, 4, async (config) => {
    const ns = await target.send('POST', '/api/v1/namespaces', JSON.stringify(namespaceObject(config)));
    if (ns.code !== 201) throw new Error(`${target.name}: creating namespace ${config.name}: ${ns.code} ${ns.body}`);
    // The ServiceAccount admission plugin needs the namespace's default account; nothing runs
    // the controller that makes it on the real servers, and hostpod's may not have yet.
    const account = await target.send('POST', `/api/v1/namespaces/${config.name}/serviceaccounts`, JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }));
    if (account.code !== 201 && account.code !== 409) throw new Error(`${target.name}: creating ${config.name}/default: ${account.code} ${account.body}`);
  });
}

async function judge(target: ApiTarget, cases: readonly DiffCase[], trials: readonly Trial[], sockets: number): Promise<Outcome[]> {
  return mapLimit(trials, sockets, async ({ index, namespace }) => {
    const c = cases[index]!;
    const answer = await target.send('POST', createPath(c.kind, namespace.name), c.body);
    return outcomeOfResponse(answer.code, answer.body, answer.warnings);
  });
}

const fileName = (index: number): string => `${String(index).padStart(6, '0')}.json`;

/** The body with `namespace` set, for lint, which reads the namespace from the object. */
function withNamespace(body: string, namespace: string): string {
  const object = JSON.parse(body) as { metadata?: Record<string, unknown> };
  return JSON.stringify({ ...object, metadata: { ...object.metadata, namespace } });
}

/** Runs the comparison; throws only when a server cannot start or answer at all. */
export async function runDifferential(options: DiffOptions): Promise<DiffReport> {
  const log = options.log ?? (() => {});
  const timings: Record<string, number> = {};
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      timings[name] = Date.now() - started;
    }
  };
  const generated = generateCases(options.seed, options.count);
  const examples = options.fixedCases === false ? [] : exampleCases();
  const serverMinor = Number(KUBERNETES_VERSION.split('.')[1]);
  const conformance = options.fixedCases === false ? { cases: [], newer: 0 } : conformanceCases(serverMinor);
  const fixtures = conformance.cases;
  const cases = [...generated, ...examples, ...fixtures];
  const fixtureNamespaces = new Map<string, NamespaceConfig>();
  for (const c of fixtures) {
    const config = fixtureNamespace(c.fixture!.level, c.fixture!.version);
    fixtureNamespaces.set(config.name, config);
  }
  const trials: Trial[] = [];
  const noPrivilegedTrials: Trial[] = [];
  cases.forEach((c, index) => {
    if (c.fixture) {
      trials.push({ index, namespace: fixtureNamespaces.get(fixtureNamespace(c.fixture.level, c.fixture.version).name)! });
      return;
    }
    for (const namespace of [...CASE_NAMESPACES, VERSIONED_NAMESPACES[index % VERSIONED_NAMESPACES.length]!]) trials.push({ index, namespace });
    noPrivilegedTrials.push({ index, namespace: NO_PRIVILEGED_NAMESPACE });
  });
  const planeTrials = trials.filter((t) => CONTROL_PLANE_KINDS.has(cases[t.index]!.kind));
  log(`${cases.length} cases (${generated.length} generated from seed ${options.seed}, ${examples.length} examples, ${fixtures.length} conformance fixtures; ` +
    `${conformance.newer} fixtures of versions after the real API server's v1.${serverMinor} left out)`);

  const dir = mkdtempSync(join(tmpdir(), 'hostpod-differential-'));
  let real: RealCluster | undefined;
  let noPrivileged: RealCluster | undefined;
  let up: UpProcess | undefined;
  let upNoPrivileged: UpProcess | undefined;
  const targets: ApiTarget[] = [];
  try {
    const started = await phase('start', () => Promise.allSettled([
      startRealCluster({ controllers: false }),
      startRealCluster({ controllers: false, allowPrivileged: false }),
      freePort().then((port) => startUp(join(dir, 'hostpod'), port, ['--no-node'])),
      freePort().then((port) => startUp(join(dir, 'hostpod-no-privileged'), port, ['--no-node', '--allow-privileged', 'false'])),
    ]));
    real = started[0].status === 'fulfilled' ? started[0].value : undefined;
    noPrivileged = started[1].status === 'fulfilled' ? started[1].value : undefined;
    up = started[2].status === 'fulfilled' ? started[2].value : undefined;
    upNoPrivileged = started[3].status === 'fulfilled' ? started[3].value : undefined;
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const realApi = realTarget('kube-apiserver', real!, 6);
    const noPrivilegedApi = realTarget('kube-apiserver --allow-privileged=false', noPrivileged!, 2);
    const planeApi = kubeconfigTarget('hostpod up', up!.kubeconfig, 4);
    const planeNoPrivilegedApi = kubeconfigTarget('hostpod up --allow-privileged false', upNoPrivileged!.kubeconfig, 2);
    targets.push(realApi, noPrivilegedApi, planeApi, planeNoPrivilegedApi);
    const allNamespaces = [...CASE_NAMESPACES, ...VERSIONED_NAMESPACES, ...fixtureNamespaces.values()];
    await phase('namespaces', () => Promise.all([
      createNamespaces(realApi, allNamespaces), createNamespaces(noPrivilegedApi, [NO_PRIVILEGED_NAMESPACE]), createNamespaces(planeApi, allNamespaces),
      createNamespaces(planeNoPrivilegedApi, [NO_PRIVILEGED_NAMESPACE]),
    ]));

    const lintRuns = async (): Promise<Map<string, Map<string, Outcome>>> => {
      const runs = new Map<string, Map<string, Outcome>>();
      const plain = cases.flatMap((c, index) => (c.fixture ? [] : [{ name: fileName(index), text: c.body }]));
      for (const config of CASE_NAMESPACES) {
        runs.set(config.name, await lintFiles(join(dir, 'lint', config.name), plain, lintLabelArgs(config)));
      }
      // Each versioned namespace lints only the cases that go to it.
      for (const config of VERSIONED_NAMESPACES) {
        const own = new Set(trials.filter((t) => t.namespace === config).map((t) => fileName(t.index)));
        runs.set(config.name, await lintFiles(join(dir, 'lint', config.name), plain.filter((f) => own.has(f.name)), lintLabelArgs(config)));
      }
      runs.set('no-privileged', await lintFiles(join(dir, 'lint', 'no-privileged'), plain, [...lintLabelArgs(NO_PRIVILEGED_NAMESPACE), '--allow-privileged', 'false']));
      // The fixtures in one run: Namespace objects first (lint reads their labels), then each
      // fixture in its level and version's namespace.
      const fixtureFiles: LintFile[] = [
        { name: '000000-namespaces.json', text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...fixtureNamespaces.values()].map(namespaceObject) }) },
        ...cases.flatMap((c, index) => (c.fixture ? [{ name: fileName(index), text: withNamespace(c.body, fixtureNamespace(c.fixture.level, c.fixture.version).name) }] : [])),
      ];
      runs.set('fixtures', await lintFiles(join(dir, 'lint', 'fixtures'), fixtureFiles, []));
      return runs;
    };
    const planeNoPrivilegedTrials = noPrivilegedTrials.filter((t) => CONTROL_PLANE_KINDS.has(cases[t.index]!.kind));
    const [realOutcomes, noPrivilegedOutcomes, planeOutcomes, planeNoPrivilegedOutcomes, lintOutcomes] = await Promise.all([
      phase('kube-apiserver', () => judge(realApi, cases, trials, 6)),
      phase('kube-apiserver --allow-privileged=false', () => judge(noPrivilegedApi, cases, noPrivilegedTrials, 2)),
      phase('hostpod up', () => judge(planeApi, cases, planeTrials, 4)),
      phase('hostpod up --allow-privileged false', () => judge(planeNoPrivilegedApi, cases, planeNoPrivilegedTrials, 2)),
      phase('hostpod lint', lintRuns),
    ]);

    const mismatches: Mismatch[] = [];
    let comparisons = 0;
    const compare = (trial: Trial, side: string, expected: Outcome, actual: Outcome | undefined, warnings: (e: Outcome) => boolean): void => {
      comparisons++;
      const c = cases[trial.index]!;
      const lines = actual ? differences(expected, actual, { warnings: warnings(expected) }) : ['no outcome'];
      if (lines.length > 0) mismatches.push({ id: c.id, namespace: trial.namespace.name, side, lines, body: c.body });
    };
    // lint's serverWarnings are the API server's own, an invalid object's included, so warnings
    // are compared on every side; a 400 is answered before anything warns.
    const always = (): boolean => true;
    const planeByTrial = new Map(planeTrials.map((t, i) => [t, planeOutcomes[i]]));
    trials.forEach((trial, i) => {
      const expected = realOutcomes[i]!;
      const c = cases[trial.index]!;
      const lintRun = lintOutcomes.get(c.fixture ? 'fixtures' : trial.namespace.name)!;
      compare(trial, 'lint', expected, lintRun.get(fileName(trial.index)), always);
      if (planeByTrial.has(trial)) compare(trial, 'control plane', expected, planeByTrial.get(trial), always);
    });
    const planeNoPrivilegedByTrial = new Map(planeNoPrivilegedTrials.map((t, i) => [t, planeNoPrivilegedOutcomes[i]]));
    noPrivilegedTrials.forEach((trial, i) => {
      const expected = noPrivilegedOutcomes[i]!;
      compare(trial, 'lint --allow-privileged=false', expected, lintOutcomes.get('no-privileged')!.get(fileName(trial.index)), always);
      if (planeNoPrivilegedByTrial.has(trial)) compare(trial, 'control plane --allow-privileged=false', expected, planeNoPrivilegedByTrial.get(trial), always);
    });
    return { cases: cases.length, newerFixtures: conformance.newer, comparisons, mismatches, timings };
  } finally {
    for (const t of targets) t.close();
    await Promise.all([real?.stop(), noPrivileged?.stop(), up?.stop(), upNoPrivileged?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The mismatches with the same case, side and differences in several namespaces as one, naming
 * them all: what a reader fixes once.
 */
export function groupMismatches(mismatches: readonly Mismatch[]): Mismatch[] {
  const groups = new Map<string, Mismatch>();
  for (const m of mismatches) {
    const key = JSON.stringify([m.id, m.side, m.lines]);
    const group = groups.get(key);
    if (group) group.namespace += `, ${m.namespace}`;
    else groups.set(key, { ...m });
  }
  return [...groups.values()];
}

/** A mismatch as the report prints it. */
export function formatMismatch(m: Mismatch): string {
  return `${m.id} in ${m.namespace}, ${m.side}:\n    ${m.lines.join('\n    ')}\n    body: ${m.body}`;
}
