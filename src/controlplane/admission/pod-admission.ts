/**
 * The mutating admission plugins of a default cluster that change pods: ServiceAccount (the
 * default account, its token volume and pull secrets), Priority (priority and preemptionPolicy
 * from the PriorityClass) and DefaultTolerationSeconds (300 s for not-ready and unreachable
 * nodes). Each takes the pod and what the plugin would look up, and returns a new pod or
 * upstream's 403 message.
 */
import { cloneJson, ensureObject, isJsonObject, objectAt, objectsAt, stringAt, type JsonObject } from '../../api/defaults/json.js';
import { generateNameSuffix } from '../api/names.js';
import { DEFAULT_VOLUME_MODE } from '../../api/defaults/volume-defaults.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
/** One hour and 7 s: the kube-apiserver's bound token lifetime that still only warns when exceeded. */
export const SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS = 3607;
export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
export const DEFAULT_TOLERATION_SECONDS = 300;

const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';

/** An admission plugin's verdict: the (mutated) pod, or a 403 Forbidden as the API server words it. */
export type AdmissionResult =
  | { allowed: true; object: Record<string, unknown> }
  | { allowed: false; code: 403; reason: 'Forbidden'; message: string };

/** The built-in PriorityClasses every cluster has. */
export const SYSTEM_PRIORITY_CLASSES: readonly Record<string, unknown>[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-node-critical' },
    value: 2000001000, preemptionPolicy: 'PreemptLowerPriority',
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-cluster-critical' },
    value: 2000000000, preemptionPolicy: 'PreemptLowerPriority',
    description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/** What the pod admission chain of a create needs to look up. */
export interface PodAdmissionContext {
  /** The pod's service account (spec.serviceAccountName, else "default"), or undefined when it does not exist. */
  serviceAccount: Record<string, unknown> | undefined;
  /** The PriorityClasses of the cluster; the system classes are added when missing. */
  priorityClasses?: readonly Record<string, unknown>[];
  /** The random part of the token volume's name (kube-api-access-xxxxx). */
  volumeSuffix?: string;
}

/** The mutating pod admission of a create, in the API server's plugin order. */
export function admitPodCreate(pod: Record<string, unknown>, context: PodAdmissionContext): AdmissionResult {
  const withAccount = admitServiceAccount(pod, context.serviceAccount, context.volumeSuffix);
  if (!withAccount.allowed) return withAccount;
  const withPriority = admitPodPriority(withAccount.object, context.priorityClasses);
  if (!withPriority.allowed) return withPriority;
  return { allowed: true, object: admitDefaultTolerations(withPriority.object) };
}

/** The mutating pod admission of an update: the stored priority is kept, default tolerations re-added. */
export function admitPodUpdate(oldPod: Record<string, unknown>, newPod: Record<string, unknown>): Record<string, unknown> {
  return admitDefaultTolerations(keepPodPriority(oldPod, newPod));
}

/**
 * ServiceAccount admission of a new pod: serviceAccountName defaults to "default", which must
 * exist; unless the pod (first) or the account sets automountServiceAccountToken false, every
 * container and init container without a mount at /var/run/secrets/kubernetes.io/serviceaccount
 * mounts the projected kube-api-access-xxxxx volume; the account's imagePullSecrets are copied
 * to a pod without any. Mirror pods are only checked: they may not use accounts or secrets.
 */
export function admitServiceAccount(pod: Record<string, unknown>, serviceAccount: Record<string, unknown> | undefined, volumeSuffix: string = generateNameSuffix()): AdmissionResult {
  const admitted = cloneJson(pod);
  const metadata = objectAt(admitted, 'metadata') ?? {};
  const spec = ensureObject(admitted, 'spec');
  if (objectAt(metadata, 'annotations')?.[MIRROR_POD_ANNOTATION] !== undefined) {
    const reason = mirrorPodViolation(spec);
    return reason ? forbiddenPod(admitted, reason) : { allowed: true, object: admitted };
  }
  if (!stringAt(spec, 'serviceAccountName')) spec['serviceAccountName'] = DEFAULT_SERVICE_ACCOUNT;
  const accountName = String(spec['serviceAccountName']);
  spec['serviceAccount'] = accountName;
  if (!serviceAccount) {
    const namespace = stringAt(metadata, 'namespace') ?? '';
    return forbiddenPod(admitted, `error looking up service account ${namespace}/${accountName}: serviceaccount "${accountName}" not found`);
  }
  if (shouldAutomount(serviceAccount, spec)) mountServiceAccountToken(spec, volumeSuffix);
  const pullSecrets = objectsAt(serviceAccount, 'imagePullSecrets');
  if (!Array.isArray(spec['imagePullSecrets']) || spec['imagePullSecrets'].length === 0) {
    if (pullSecrets.length > 0) spec['imagePullSecrets'] = pullSecrets.map((s) => ({ name: s['name'] }));
  }
  if (enforcesMountableSecrets(serviceAccount)) {
    const reason = unmountableSecret(serviceAccount, spec);
    if (reason) return forbiddenPod(admitted, reason);
  }
  return { allowed: true, object: admitted };
}

/** The projected volume the ServiceAccount admission adds: token, cluster CA and namespace. */
export function serviceAccountTokenVolume(name: string): JsonObject {
  return {
    name,
    projected: {
      defaultMode: DEFAULT_VOLUME_MODE,
      sources: [
        { serviceAccountToken: { expirationSeconds: SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/**
 * Priority admission of a new pod: priority and preemptionPolicy from its priorityClassName, or
 * from the global default class (its name is then set too), or 0 and PreemptLowerPriority. A
 * class that does not exist, or a priority or policy in the pod that disagrees, is forbidden.
 */
export function admitPodPriority(pod: Record<string, unknown>, priorityClasses: readonly Record<string, unknown>[] = []): AdmissionResult {
  const admitted = cloneJson(pod);
  const spec = ensureObject(admitted, 'spec');
  const classes = withSystemClasses(priorityClasses);
  const className = stringAt(spec, 'priorityClassName') ?? '';
  let priority = 0;
  let policy = 'PreemptLowerPriority';
  if (className === '') {
    const globalDefault = defaultPriorityClass(classes);
    if (globalDefault) {
      spec['priorityClassName'] = nameOf(globalDefault);
      priority = valueOf(globalDefault);
      policy = policyOf(globalDefault);
    }
  } else {
    const found = classes.find((c) => nameOf(c) === className);
    if (!found) return forbiddenPod(admitted, `no PriorityClass with name ${className} was found`);
    priority = valueOf(found);
    policy = policyOf(found);
  }
  if (typeof spec['priority'] === 'number' && spec['priority'] !== priority) {
    return forbiddenPod(admitted, `the integer value of priority (${spec['priority']}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  }
  if (typeof spec['preemptionPolicy'] === 'string' && spec['preemptionPolicy'] !== '' && spec['preemptionPolicy'] !== policy) {
    return forbiddenPod(admitted, `the string value of PreemptionPolicy (${spec['preemptionPolicy']}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
  }
  spec['priority'] = priority;
  spec['preemptionPolicy'] = policy;
  return { allowed: true, object: admitted };
}

/** Priority admission of an update: a pod that leaves out priority or preemptionPolicy keeps the stored ones. */
export function keepPodPriority(oldPod: Record<string, unknown>, newPod: Record<string, unknown>): Record<string, unknown> {
  const admitted = cloneJson(newPod);
  const spec = ensureObject(admitted, 'spec');
  const oldSpec = objectAt(oldPod, 'spec') ?? {};
  for (const key of ['priority', 'preemptionPolicy']) {
    if ((spec[key] === undefined || spec[key] === null) && oldSpec[key] !== undefined) spec[key] = oldSpec[key];
  }
  return admitted;
}

/**
 * DefaultTolerationSeconds admission (create and update): a pod that does not tolerate the
 * not-ready or unreachable NoExecute taint (a toleration with that key or no key, and effect
 * NoExecute or none) tolerates it for 300 s.
 */
export function admitDefaultTolerations(pod: Record<string, unknown>): Record<string, unknown> {
  const admitted = cloneJson(pod);
  const spec = ensureObject(admitted, 'spec');
  const tolerations = Array.isArray(spec['tolerations']) ? (spec['tolerations'] as unknown[]) : [];
  const tolerates = (key: string): boolean => tolerations.some((t) => isJsonObject(t)
    && (t['key'] === key || !t['key'])
    && (t['effect'] === 'NoExecute' || !t['effect']));
  const added = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']
    .filter((key) => !tolerates(key))
    .map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS }));
  if (added.length > 0) spec['tolerations'] = [...tolerations, ...added];
  return admitted;
}

function shouldAutomount(serviceAccount: JsonObject, spec: JsonObject): boolean {
  if (typeof spec['automountServiceAccountToken'] === 'boolean') return spec['automountServiceAccountToken'];
  if (typeof serviceAccount['automountServiceAccountToken'] === 'boolean') return serviceAccount['automountServiceAccountToken'];
  return true;
}

function mountServiceAccountToken(spec: JsonObject, volumeSuffix: string): void {
  const existing = objectsAt(spec, 'volumes').find((v) => stringAt(v, 'name')?.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX));
  const volumeName = existing ? String(existing['name']) : `${SERVICE_ACCOUNT_VOLUME_PREFIX}${volumeSuffix}`;
  let mounted = false;
  for (const key of ['initContainers', 'containers']) {
    for (const container of objectsAt(spec, key)) {
      // A container that already mounts something at the token path keeps it.
      if (objectsAt(container, 'volumeMounts').some((m) => m['mountPath'] === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
      const mounts = Array.isArray(container['volumeMounts']) ? (container['volumeMounts'] as unknown[]) : [];
      container['volumeMounts'] = [...mounts, { name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
      mounted = true;
    }
  }
  if (mounted && !existing) {
    const volumes = Array.isArray(spec['volumes']) ? (spec['volumes'] as unknown[]) : [];
    spec['volumes'] = [...volumes, serviceAccountTokenVolume(volumeName)];
  }
}

function enforcesMountableSecrets(serviceAccount: JsonObject): boolean {
  const value = objectAt(objectAt(serviceAccount, 'metadata') ?? {}, 'annotations')?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION];
  // strconv.ParseBool's spellings of true.
  return typeof value === 'string' && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value);
}

function unmountableSecret(serviceAccount: JsonObject, spec: JsonObject): string | undefined {
  const accountName = stringAt(objectAt(serviceAccount, 'metadata') ?? {}, 'name') ?? '';
  const mountable = new Set(objectsAt(serviceAccount, 'secrets').map((s) => stringAt(s, 'name') ?? ''));
  for (const volume of objectsAt(spec, 'volumes')) {
    const secret = objectAt(volume, 'secret');
    const secretName = secret && (stringAt(secret, 'secretName') ?? '');
    if (secretName !== undefined && !mountable.has(secretName)) {
      return `volume with secret.secretName="${secretName}" is not allowed because service account ${accountName} does not reference that secret`;
    }
  }
  for (const [key, label] of [['initContainers', 'init container'], ['containers', 'container']] as const) {
    for (const container of objectsAt(spec, key)) {
      for (const env of objectsAt(container, 'env')) {
        const ref = objectAt(objectAt(env, 'valueFrom') ?? {}, 'secretKeyRef');
        const secretName = ref && (stringAt(ref, 'name') ?? '');
        if (secretName !== undefined && !mountable.has(secretName)) {
          return `${label} ${stringAt(container, 'name') ?? ''} with envVar ${stringAt(env, 'name') ?? ''} referencing secret.secretName="${secretName}" is not allowed because service account ${accountName} does not reference that secret`;
        }
      }
    }
  }
  const pullable = new Set(objectsAt(serviceAccount, 'imagePullSecrets').map((s) => stringAt(s, 'name') ?? ''));
  const pullSecrets = objectsAt(spec, 'imagePullSecrets').map((s) => stringAt(s, 'name') ?? '');
  const index = pullSecrets.findIndex((name) => !pullable.has(name));
  if (index >= 0) {
    return `imagePullSecrets[${index}].name="${pullSecrets[index] ?? ''}" is not allowed because service account ${accountName} does not reference that imagePullSecret`;
  }
  return undefined;
}

function mirrorPodViolation(spec: JsonObject): string | undefined {
  if (stringAt(spec, 'serviceAccountName')) return 'a mirror pod may not reference service accounts';
  if (referencesSecrets(spec)) return 'a mirror pod may not reference secrets';
  for (const volume of objectsAt(spec, 'volumes')) {
    if (objectsAt(objectAt(volume, 'projected') ?? {}, 'sources').some((s) => isJsonObject(s['serviceAccountToken']))) {
      return 'a mirror pod may not use ServiceAccountToken volume projections';
    }
  }
  return undefined;
}

// The secret references VisitPodSecretNames finds.
function referencesSecrets(spec: JsonObject): boolean {
  if (objectsAt(spec, 'imagePullSecrets').length > 0) return true;
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const container of objectsAt(spec, key)) {
      if (objectsAt(container, 'envFrom').some((e) => isJsonObject(e['secretRef']))) return true;
      if (objectsAt(container, 'env').some((e) => isJsonObject(objectAt(e, 'valueFrom')?.['secretKeyRef']))) return true;
    }
  }
  const withSecretRef = ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos'];
  for (const volume of objectsAt(spec, 'volumes')) {
    if (isJsonObject(volume['secret']) || isJsonObject(objectAt(volume, 'csi')?.['nodePublishSecretRef'])) return true;
    if (stringAt(objectAt(volume, 'azureFile') ?? {}, 'secretName')) return true;
    if (withSecretRef.some((source) => isJsonObject(objectAt(volume, source)?.['secretRef']))) return true;
    if (objectsAt(objectAt(volume, 'projected') ?? {}, 'sources').some((s) => isJsonObject(s['secret']))) return true;
  }
  return false;
}

function withSystemClasses(classes: readonly Record<string, unknown>[]): JsonObject[] {
  const names = new Set(classes.map(nameOf));
  return [...classes, ...SYSTEM_PRIORITY_CLASSES.filter((c) => !names.has(nameOf(c)))].filter(isJsonObject);
}

// Of several global defaults (a race can create two), the lowest value wins.
function defaultPriorityClass(classes: readonly JsonObject[]): JsonObject | undefined {
  let chosen: JsonObject | undefined;
  for (const candidate of classes) {
    if (candidate['globalDefault'] === true && (!chosen || valueOf(candidate) < valueOf(chosen))) chosen = candidate;
  }
  return chosen;
}

function nameOf(priorityClass: Record<string, unknown>): string {
  return stringAt(objectAt(priorityClass, 'metadata') ?? {}, 'name') ?? '';
}

function valueOf(priorityClass: JsonObject): number {
  return typeof priorityClass['value'] === 'number' ? priorityClass['value'] : 0;
}

// A stored PriorityClass always has a policy: it defaults to PreemptLowerPriority.
function policyOf(priorityClass: JsonObject): string {
  return stringAt(priorityClass, 'preemptionPolicy') || 'PreemptLowerPriority';
}

function forbiddenPod(pod: JsonObject, reason: string): AdmissionResult {
  const name = stringAt(objectAt(pod, 'metadata') ?? {}, 'name') ?? '';
  const message = name === '' ? `pods is forbidden: ${reason}` : `pods "${name}" is forbidden: ${reason}`;
  return { allowed: false, code: 403, reason: 'Forbidden', message };
}
