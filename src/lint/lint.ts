/**
 * `hostpod lint` as a library: each loaded object gets the API server's validation, the Pod
 * Security verdict for its namespace, and HostProcess advice.
 */
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import { defaultPodKind } from '../api/defaults/index.js';
import { groupOf, resolveKind } from '../api/kinds.js';
import type { ManifestObject } from '../api/load-manifests.js';
import { decodeFailure, decodeObject, type DecodeError } from '../api/schema.js';
import { formatFieldError, type FieldError } from '../policy/field.js';
import {
  admit, defaultRegistry, formatVersion, LABEL_PREFIX, NO_EXEMPTIONS, policyFromLabels,
  type Exemptions, type Level, type LevelVersion,
} from '../policy/podsecurity/index.js';
import { dig, isHostProcessPod, syncAppArmorAnnotations, validateObject } from '../policy/validation/index.js';
import { FieldPath } from '../policy/field.js';
import { hostProcessAdvice } from './advice.js';
import { containerdAdvice, type Advisory, type ContainerdVersion } from './containerd/index.js';
import type { ServerCheck } from './server/verdict.js';

export interface LintOptions {
  /** Evaluate at this level instead of the namespace's enforce label (`--pod-security`). */
  podSecurity?: LevelVersion;
  /** Labels applied to every object's namespace (`--namespace-labels`), over those of Namespace objects in the input. */
  namespaceLabels?: Readonly<Record<string, string>>;
  /** kube-apiserver's --allow-privileged; true as in most clusters. */
  allowPrivileged?: boolean;
  exemptions?: Exemptions;
  /** Where objects without metadata.namespace go: `default`, or a kubeconfig context's namespace (`--server`). */
  defaultNamespace?: string;
  /**
   * Labels of namespaces as a cluster has them (`--server`), read as objects need them: a
   * Namespace object in the input is applied over them, and `namespaceLabels` over both.
   */
  clusterNamespaces?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The containerd version the manifests move to (`--containerd`): advice on what breaks there. */
  containerd?: ContainerdVersion;
}

export interface LintError {
  field: string;
  /** The Status cause reason (FieldValueRequired, FieldValueInvalid, ...), or BadRequest when the object could not be decoded. */
  type: string;
  /** The cause message without the field: `Invalid value: false: hostNetwork must be true ...`. */
  message: string;
}

export interface PodSecurityVerdict {
  level: Level;
  version: string;
  /** Whether the pods of this object are admitted (for a workload: the pods it creates). */
  allowed: boolean;
  /** The forbidden reasons, e.g. ["host namespaces", "hostProcess"]. */
  reasons: string[];
  /** `violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), ...`, or "" when allowed. */
  message: string;
  /** Why Pod Security did not evaluate the object, when it was exempt. */
  exempt?: 'namespace' | 'user' | 'runtimeClass';
}

export interface LintResult {
  file: string;
  index: number;
  item?: number;
  line: number;
  kind: string | null;
  apiVersion: string | null;
  namespace: string | null;
  name: string | null;
  valid: boolean;
  errors: LintError[];
  podSecurity: PodSecurityVerdict | null;
  /**
   * Everything to warn about: the API server's warnings (validation's and Pod Security's, whether
   * or not the object is valid), then hostpod's own advice.
   */
  warnings: string[];
  /**
   * The warnings the API server would send back with the create (its Warning headers): those of
   * a pod's create syncing its AppArmor annotations, then, for a valid object, validation's and
   * Pod Security's warn mode (for a workload, about the workload itself). An invalid object gets
   * only the first: the API server validates before the rest.
   */
  serverWarnings: string[];
  /**
   * Set when the API server could not even decode the object (HTTP 400): its message, as in
   * `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"`.
   */
  badRequest?: string;
  /** A cluster's verdict on it (`--server`). */
  server?: ServerCheck;
  /** With `--containerd`: what depends on the containerd version (also in warnings). */
  advisories?: Advisory[];
}

/**
 * Whether the result makes lint fail: invalid, or denied by Pod Security; with a server's
 * verdict, also refused by the server or left unjudged by it (for want of permission).
 */
export function failed(result: LintResult): boolean {
  return !result.valid || result.podSecurity?.allowed === false || serverFailed(result.server);
}

function serverFailed(check: ServerCheck | undefined): boolean {
  const fails = (outcome: string | undefined): boolean => outcome === 'refused' || outcome === 'unchecked';
  return check !== undefined && (fails(check.outcome) || fails(check.pods?.outcome));
}

/**
 * Lints objects one at a time, in order. A Namespace object supplies the Pod Security labels of
 * its namespace to the objects after it, as applying the same manifests in order would.
 */
export class Linter {
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  /** ConfigMaps seen so far, for scripts a container runs from one (`--containerd`). */
  private readonly configMaps = new Map<string, Record<string, string>>();

  constructor(private readonly options: LintOptions = {}) {}

  lint(source: ManifestObject): LintResult {
    const result = lintObject(source, this.options, this.namespaceLabels, this.configMaps);
    const meta = source.object['metadata'] as V1ObjectMeta | undefined;
    if (this.options.containerd && result.kind === 'ConfigMap' && result.apiVersion === 'v1' && typeof meta?.name === 'string') {
      const data = source.object['data'];
      if (typeof data === 'object' && data !== null) this.configMaps.set(`${result.namespace ?? 'default'}/${meta.name}`, data as Record<string, string>);
    }
    if (result.kind === 'Namespace' && result.apiVersion === 'v1' && typeof meta?.name === 'string') {
      // Even invalid labels count: a namespace that has them is judged by upstream's fallbacks.
      const labels = Object.entries(meta.labels ?? {}).filter(([, v]) => typeof v === 'string');
      this.namespaceLabels.set(meta.name, Object.fromEntries(labels));
    }
    return result;
  }
}

/** Lints every object in order (see Linter). */
export function lintObjects(objects: readonly ManifestObject[], options: LintOptions = {}): LintResult[] {
  const linter = new Linter(options);
  return objects.map((o) => linter.lint(o));
}

function lintObject(
  source: ManifestObject, options: LintOptions, namespaces: ReadonlyMap<string, Record<string, string>>,
  configMaps: ReadonlyMap<string, Record<string, string>> = new Map(),
): LintResult {
  const { object: raw } = source;
  const decoded = typeof raw['kind'] === 'string' && typeof raw['apiVersion'] === 'string'
    ? decodeObject(raw['apiVersion'], raw['kind'], raw)
    : { object: raw, errors: [] as DecodeError[] };
  const object = decoded.object;
  const meta = (typeof object['metadata'] === 'object' && object['metadata'] !== null ? object['metadata'] : {}) as V1ObjectMeta;
  const result: LintResult = {
    file: source.file,
    index: source.index,
    ...(source.item === undefined ? {} : { item: source.item }),
    line: source.line,
    kind: typeof object['kind'] === 'string' ? object['kind'] : null,
    apiVersion: typeof object['apiVersion'] === 'string' ? object['apiVersion'] : null,
    namespace: null,
    name: typeof meta.name === 'string' ? meta.name : null,
    valid: true,
    errors: [],
    podSecurity: null,
    warnings: [],
    serverWarnings: [],
  };

  const kind = resolveKind(object['apiVersion'], object['kind']);
  if (kind.type === 'error') {
    result.valid = false;
    result.errors.push({
      field: kind.field,
      type: kind.reason === 'missing' ? 'FieldValueRequired' : 'FieldValueNotSupported',
      message: kind.hint ? `${kind.message}: ${kind.hint}` : kind.message,
    });
    return result;
  }
  const namespaceOf = (): string => (typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : options.defaultNamespace ?? 'default');
  if (kind.type === 'custom') {
    result.warnings.push(`${result.kind ?? ''} (${result.apiVersion ?? ''}) is not a built-in Kubernetes kind: not checked`);
    return result;
  }
  if (kind.type === 'other') {
    if (kind.namespaced) result.namespace = namespaceOf();
    if (decoded.errors.length > 0) return badRequest(result, decoded.errors);
    if (result.kind === 'Namespace') {
      // The API server refuses a namespace whose Pod Security labels do not parse.
      const { errors } = policyFromLabels(meta.labels ?? {});
      result.errors = errors.map(toLintError);
      result.valid = errors.length === 0;
    }
    return result;
  }

  const info = kind.info;
  const namespace = namespaceOf();
  result.namespace = namespace;

  // The API server cannot even decode such an object: nothing else is checked, as there.
  if (decoded.errors.length > 0) return badRequest(result, decoded.errors);

  // The API server validates and judges the object as defaulted: a host network pod's ports are
  // host ports, a request is its limit, an empty restart policy is Always.
  // A pod's create then copies its AppArmor annotations to fields, warning as it goes.
  const defaulted = defaultPodKind(info, object);
  const synced = info.kind === 'Pod' ? syncAppArmorAnnotations(defaulted) : [];
  const allowPrivileged = options.allowPrivileged ?? true;
  const validation = validateObject(info, defaulted, { allowPrivileged });
  result.errors = validation.errors.map(toLintError);
  result.valid = validation.errors.length === 0;
  const warned = [...synced, ...validation.warnings];

  const template = info.templatePath.length === 0 ? defaulted : dig(defaulted, info.templatePath);
  const podMeta = ((template?.['metadata']) ?? {}) as V1ObjectMeta;
  const podSpec = (template?.['spec'] ?? {}) as V1PodSpec;
  const specPath = FieldPath.of([...info.templatePath, 'spec']);

  const labels: Record<string, string> = {
    ...(options.clusterNamespaces?.get(namespace) ?? {}), ...(namespaces.get(namespace) ?? {}), ...(options.namespaceLabels ?? {}),
  };
  if (options.podSecurity) {
    labels[`${LABEL_PREFIX}enforce`] = options.podSecurity.level;
    labels[`${LABEL_PREFIX}enforce-version`] = formatVersion(options.podSecurity.version);
  }
  const config = { registry: defaultRegistry, exemptions: options.exemptions ?? NO_EXEMPTIONS };
  const isPod = info.kind === 'Pod';
  // What happens to the pods: for a workload, to the pods its controller will create.
  const podDecision = admit(config, {
    resource: 'pods', group: '', name: isPod ? (result.name ?? '') : '', namespace, namespaceLabels: labels, meta: podMeta, spec: podSpec,
  });
  const enforce = podDecision.policy.enforce;
  result.podSecurity = {
    level: enforce.level,
    version: formatVersion(enforce.version),
    allowed: podDecision.allowed,
    reasons: podDecision.enforced?.reasons ?? [],
    message: podDecision.enforced?.violation ?? '',
    ...(podDecision.exempt ? { exempt: podDecision.exempt } : {}),
  };
  if (isPod) {
    warned.push(...podDecision.warnings);
  } else {
    // The workload itself is only ever warned; its pods are judged when they are created.
    const workloadDecision = admit(config, {
      resource: info.resource, group: groupOf(info.apiVersion), name: result.name ?? '', namespace, namespaceLabels: labels, meta: podMeta, spec: podSpec,
    });
    warned.push(...workloadDecision.warnings);
  }
  result.warnings.push(...warned);
  result.serverWarnings = result.valid ? warned : synced;
  for (const error of podDecision.labelErrors) {
    result.warnings.push(`namespace "${namespace}": ${formatFieldError(error)} (Pod Security ${labelFallback(error.field)})`);
  }
  if (!isPod && !podDecision.allowed) {
    result.warnings.push(`the ${info.kind} itself is admitted (Pod Security only warns about workloads), but every pod it creates will be rejected`);
  }

  if (isHostProcessPod(podSpec)) {
    result.warnings.push(...hostProcessAdvice(podSpec, specPath));
    if (!podDecision.allowed) {
      result.warnings.push(`HostProcess pods need the privileged Pod Security level, and namespace "${namespace}" enforces ` +
        `${enforce.level}:${formatVersion(enforce.version)}: label it ${LABEL_PREFIX}enforce=privileged, or exempt the namespace ` +
        'or the pod\'s runtime class in the admission configuration');
    }
    if (options.containerd) {
      const advisories = containerdAdvice(podSpec, specPath, { target: options.containerd, namespace, configMaps });
      result.advisories = advisories;
      result.warnings.push(...advisories.map((a) => `${a.field}: ${a.message}`));
    }
  }
  return result;
}

function labelFallback(field: string): string {
  if (field.endsWith('enforce]')) return 'enforces restricted instead';
  if (field.endsWith('-version]')) return 'uses latest instead';
  return 'ignores this mode';
}

function badRequest(result: LintResult, errors: readonly DecodeError[]): LintResult {
  const kind = result.kind ?? '';
  const version = (result.apiVersion ?? '').split('/').pop() ?? '';
  result.valid = false;
  result.errors = errors.map((e) => ({ field: e.field, type: 'BadRequest', message: e.message }));
  result.badRequest = `${kind} in version "${version}" cannot be handled as a ${kind}: ${decodeFailure(errors)}`;
  return result;
}

function toLintError(error: FieldError): LintError {
  const text = formatFieldError(error);
  return { field: error.field, type: error.type, message: text.slice(error.field.length + 2) };
}
