/**
 * `hostpod lint --server` as a library: each object gets hostpod's verdict and a cluster's (its
 * server-side dry run, see dry-run.ts), side by side, their disagreement marked. hostpod's own
 * verdict then uses what the cluster knows: the labels of the object's namespace as the cluster
 * has them, and the context's namespace for objects without one.
 */
import { resolveKind } from '../../api/kinds.js';
import type { ManifestObject } from '../../api/load-manifests.js';
import { Linter, type LintOptions, type LintResult } from '../lint.js';
import type { ApiTransport } from './api-transport.js';
import { disagrees } from './disagreement.js';
import { dryRunApply, dryRunPods } from './dry-run.js';
import { ClusterNamespaces } from './cluster-namespaces.js';
import { RestMapper } from './rest-mapper.js';
import type { ServerCheck, ServerVerdict } from './verdict.js';

export interface ServerLintOptions {
  transport: ApiTransport;
  /** The context's namespace: where namespaced objects without metadata.namespace go. */
  namespace: string;
}

type Obj = Record<string, unknown>;

/** Lints objects one at a time, in order, each against hostpod's rules and the cluster's. */
export class ServerLinter {
  readonly #transport: ApiTransport;
  readonly #namespace: string;
  readonly #mapper: RestMapper;
  readonly #namespaces: ClusterNamespaces;
  readonly #linter: Linter;
  readonly #labelsGiven: boolean;
  /** What earlier objects of the input create, which a dry run does not: namespaces, and custom kinds (`group/Kind`), with where. */
  readonly #createdNamespaces = new Map<string, string>();
  readonly #createdKinds = new Map<string, string>();

  constructor(options: LintOptions, server: ServerLintOptions) {
    this.#transport = server.transport;
    this.#namespace = server.namespace;
    this.#mapper = new RestMapper(server.transport);
    this.#namespaces = new ClusterNamespaces(server.transport);
    this.#linter = new Linter({ ...options, defaultNamespace: server.namespace, clusterNamespaces: this.#namespaces.labels });
    // Labels given on the command line make the cluster's moot for hostpod's verdict.
    this.#labelsGiven = options.namespaceLabels !== undefined || options.podSecurity !== undefined;
  }

  /** hostpod's result for `source`, with the server's verdict in `server`. */
  async lint(source: ManifestObject): Promise<LintResult> {
    const object = source.object;
    const kinded = nonEmpty(object['apiVersion']) !== undefined && nonEmpty(object['kind']) !== undefined;
    // Pod Security depends on the namespace's labels: read them before hostpod judges the pods.
    const unreadable = resolveKind(object['apiVersion'], object['kind']).type === 'pod'
      ? await this.#namespaces.read(namespaceOf(object) ?? this.#namespace)
      : undefined;
    const result = this.#linter.lint(source);
    if (unreadable && !this.#labelsGiven) result.warnings.push(unreadable);
    // Without apiVersion and kind, kubectl sends nothing either; hostpod's verdict says why.
    if (kinded) result.server = await this.#check(object, result);
    this.#remember(result, object, `${source.file === '-' ? '<stdin>' : source.file}:${source.line}`);
    return result;
  }

  async #check(object: Obj, result: LintResult): Promise<ServerCheck> {
    const outcome = await dryRunApply(this.#transport, this.#mapper, object, this.#namespace);
    const verdict = this.#pending(outcome.verdict);
    const pods = verdict.outcome === 'allowed' && outcome.namespace !== undefined
      ? await dryRunPods(this.#transport, object, outcome.namespace, outcome.answered)
      : undefined;
    const check: ServerCheck = { ...verdict, ...(pods ? { pods } : {}), disagrees: false };
    check.disagrees = disagrees(result, check);
    return check;
  }

  /** A refusal for want of what an earlier object of the input creates is no refusal: the apply creates it first. */
  #pending(verdict: ServerVerdict): ServerVerdict {
    if (verdict.outcome !== 'refused') return verdict;
    const namespace = verdict.code === 404 ? /^namespaces "([^"]*)" not found$/.exec(verdict.message ?? '')?.[1] : undefined;
    const namespaceAt = namespace === undefined ? undefined : this.#createdNamespaces.get(namespace);
    if (namespaceAt) {
      return {
        ...verdict, outcome: 'pending',
        hint: `namespace "${namespace ?? ''}" is created by ${namespaceAt}, and a dry run creates nothing: the server can judge this object once the namespace exists (apply the Namespace first)`,
      };
    }
    const noMatch = verdict.reason === 'NoMatch' ? /^no matches for kind "([^"]*)" in version "([^"]*)"$/.exec(verdict.message ?? '') : null;
    const kindAt = noMatch ? this.#createdKinds.get(`${(noMatch[2] ?? '').split('/')[0] ?? ''}/${noMatch[1] ?? ''}`) : undefined;
    if (kindAt) {
      return {
        ...verdict, outcome: 'pending',
        hint: `its CustomResourceDefinition is created by ${kindAt}, and a dry run creates nothing: the server can judge this object once the CRD exists (apply it first)`,
      };
    }
    return verdict;
  }

  #remember(result: LintResult, object: Obj, at: string): void {
    if (result.kind === 'Namespace' && result.apiVersion === 'v1' && result.name !== null) {
      if (!this.#createdNamespaces.has(result.name)) this.#createdNamespaces.set(result.name, at);
    }
    if (result.kind === 'CustomResourceDefinition' && result.apiVersion === 'apiextensions.k8s.io/v1') {
      const spec = isObj(object['spec']) ? object['spec'] : {};
      const names = isObj(spec['names']) ? spec['names'] : {};
      const group = nonEmpty(spec['group']);
      const kind = nonEmpty(names['kind']);
      if (group !== undefined && kind !== undefined && !this.#createdKinds.has(`${group}/${kind}`)) this.#createdKinds.set(`${group}/${kind}`, at);
    }
  }
}

function namespaceOf(object: Obj): string | undefined {
  return nonEmpty(isObj(object['metadata']) ? object['metadata']['namespace'] : undefined);
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
