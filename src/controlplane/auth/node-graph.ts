/**
 * What the Node authorizer's graph answers: which objects a node is related to through the pods
 * bound to it (pod -> node; secret, configmap, serviceaccount -> pod). kube-apiserver keeps the
 * graph up to date from informers; hostpod reads it from the store when asked, which for a
 * single cluster's pods costs one scan of a namespace's pods.
 */
import type { ObjectApi } from '../api/object-api.js';
import type { Obj } from '../api/object-meta.js';
import { findResource } from '../resources/index.js';

/** The kinds of objects a node may be related to. */
export type RelatedKind = 'pods' | 'secrets' | 'configmaps' | 'serviceaccounts';

export interface NodeGraph {
  /** Whether a pod bound to `node` is, or refers to, the object `kind` `namespace/name`. */
  related(node: string, kind: RelatedKind, namespace: string, name: string): boolean;
}

/** The graph of the objects in `api`. */
export function storeGraph(api: Pick<ObjectApi, 'list'>): NodeGraph {
  const pods = findResource('', 'v1', 'pods')!;
  return {
    related(node, kind, namespace, name) {
      return api.list(pods, namespace).items.some((pod) => {
        const spec = (pod['spec'] ?? {}) as PodSpec;
        if (spec.nodeName !== node) return false;
        switch (kind) {
          case 'pods': return (pod['metadata'] as { name?: string } | undefined)?.name === name;
          case 'serviceaccounts': return spec.serviceAccountName === name;
          case 'secrets': return secretNames(spec).includes(name);
          case 'configmaps': return configMapNames(spec).includes(name);
        }
        return false;
      });
    },
  };
}

type Ref = { name?: string } | undefined;
interface Container {
  env?: { valueFrom?: { secretKeyRef?: Ref; configMapKeyRef?: Ref } }[];
  envFrom?: { secretRef?: Ref; configMapRef?: Ref }[];
}
interface PodSpec {
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
