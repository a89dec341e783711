/**
 * The objects a pod refers to by name: its ServiceAccount, Secrets and ConfigMaps (what the Node
 * authorizer's graph joins a node to through the pods bound to it, as upstream's
 * VisitPodSecretNames and VisitPodConfigmapNames find them).
 */

type Obj = Record<string, unknown>;
type Ref = { name?: string } | undefined;
interface Container {
  env?: { valueFrom?: { secretKeyRef?: Ref; configMapKeyRef?: Ref } }[];
  envFrom?: { secretRef?: Ref; configMapRef?: Ref }[];
}
export interface PodSpec {
  nodeName?: string;
  serviceAccountName?: string;
  imagePullSecrets?: Ref[];
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Record<string, Obj | undefined>[];
}

function containersOf(spec: PodSpec): Container[] {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** The volume sources that name a Secret by `secretRef` (upstream's VisitPodSecretNames lists them). */
const SECRET_REF_SOURCES = ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos'];

/** Every Secret a pod spec names: pull secrets, environment, volumes (projected ones too). */
export function secretNames(spec: PodSpec): string[] {
  const names: (string | undefined)[] = (spec.imagePullSecrets ?? []).map((r) => r?.name);
  for (const c of containersOf(spec)) {
    for (const from of c.envFrom ?? []) names.push(from.secretRef?.name);
    for (const variable of c.env ?? []) names.push(variable.valueFrom?.secretKeyRef?.name);
  }
  for (const volume of spec.volumes ?? []) {
    names.push(volume['secret']?.['secretName'] as string | undefined, volume['azureFile']?.['secretName'] as string | undefined);
    names.push((volume['csi']?.['nodePublishSecretRef'] as Ref)?.name);
    for (const source of SECRET_REF_SOURCES) names.push((volume[source]?.['secretRef'] as Ref)?.name);
    for (const projected of (volume['projected']?.['sources'] ?? []) as { secret?: Ref }[]) names.push(projected.secret?.name);
  }
  return names.filter((n): n is string => typeof n === 'string' && n !== '');
}

/** Every ConfigMap a pod spec names: environment and volumes (projected ones too). */
export function configMapNames(spec: PodSpec): string[] {
  const names: (string | undefined)[] = [];
  for (const c of containersOf(spec)) {
    for (const from of c.envFrom ?? []) names.push(from.configMapRef?.name);
    for (const variable of c.env ?? []) names.push(variable.valueFrom?.configMapKeyRef?.name);
  }
  for (const volume of spec.volumes ?? []) {
    names.push((volume['configMap'] as Ref)?.name);
    for (const projected of (volume['projected']?.['sources'] ?? []) as { configMap?: Ref }[]) names.push(projected.configMap?.name);
  }
  return names.filter((n): n is string => typeof n === 'string' && n !== '');
}

/** The objects a pod spec names, by kind (the Node authorizer's resource names). */
export function podReferences(spec: PodSpec): { serviceaccounts: string[]; secrets: string[]; configmaps: string[] } {
  return { serviceaccounts: spec.serviceAccountName ? [spec.serviceAccountName] : [], secrets: secretNames(spec), configmaps: configMapNames(spec) };
}
