/**
 * The bootstrap RBAC policy and its reconciliation at start, as kube-apiserver's
 * `rbac/bootstrap-roles` post-start hook does it: the cluster roles and bindings (and the roles
 * and bindings of kube-system and kube-public) that kube-apiserver 1.36 has, recorded from a real
 * one into bootstrap-policy.json by scripts/record-rbac-bootstrap.ts. A missing one is created;
 * one annotated `rbac.authorization.kubernetes.io/autoupdate: "true"` gets back the labels,
 * annotations, rules (or aggregation selectors) and subjects it lacks; one annotated "false" is
 * left as the administrator made it.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ObjectApi, RequestContext } from '../../api/object-api.js';
import { metaOf, type Obj } from '../../api/object-meta.js';
import { StatusError } from '../../api/status-error.js';
import { findResource, type ResourceDefinition } from '../../resources/index.js';
import policy from './bootstrap-policy.json' with { type: 'json' };
import { uncovered } from './escalation.js';
import { rulesOf } from './policy-rule.js';
import { subjectsOf } from './rule-resolver.js';
import { RBAC_GROUP } from './subjects.js';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

/** The recorded policy: objects as manifests, by kind. */
export const BOOTSTRAP_POLICY = policy as unknown as { kubernetesVersion: string; clusterRoles: Obj[]; clusterRoleBindings: Obj[]; roles: Obj[]; roleBindings: Obj[] };

/**
 * Creates the bootstrap roles and bindings that are missing and brings the auto-updated ones up
 * to date, writing as `context`'s user.
 * @returns what it did, one line per object changed
 */
export function reconcileBootstrapPolicy(api: ObjectApi, context: RequestContext): string[] {
  const done: string[] = [];
  const rbac = (resource: string): ResourceDefinition => findResource(RBAC_GROUP, 'v1', resource)!;
  for (const namespace of new Set([...BOOTSTRAP_POLICY.roles, ...BOOTSTRAP_POLICY.roleBindings].map((o) => metaOf(o).namespace ?? ''))) {
    ensureNamespace(api, namespace, context);
  }
  const kinds: [ResourceDefinition, Obj[], (current: Obj, wanted: Obj) => Obj | undefined][] = [
    [rbac('clusterroles'), BOOTSTRAP_POLICY.clusterRoles, reconcileRole],
    [rbac('roles'), BOOTSTRAP_POLICY.roles, reconcileRole],
    [rbac('clusterrolebindings'), BOOTSTRAP_POLICY.clusterRoleBindings, reconcileBinding],
    [rbac('rolebindings'), BOOTSTRAP_POLICY.roleBindings, reconcileBinding],
  ];
  for (const [info, objects, reconcile] of kinds) {
    for (const wanted of objects) {
      const { name = '', namespace = '' } = metaOf(wanted);
      const current = api.find(info, namespace, name);
      if (!current) {
        ignoreConflict(() => api.create(info, namespace, structuredClone(wanted), context));
        done.push(`created ${info.resource} ${namespace === '' ? name : `${namespace}/${name}`}`);
        continue;
      }
      if (metaOf(current).annotations?.[AUTOUPDATE_ANNOTATION] === 'false') continue;
      const changed = api.mutate(info, namespace, name, (latest) => reconcile(latest, wanted), context);
      if (changed && changed !== current && metaOf(changed).resourceVersion !== metaOf(current).resourceVersion) {
        done.push(`updated ${info.resource} ${namespace === '' ? name : `${namespace}/${name}`}`);
      }
    }
  }
  return done;
}

/** A role with the labels, annotations and rules (or aggregation selectors) it lacks; undefined when it lacks none. */
function reconcileRole(current: Obj, wanted: Obj): Obj | undefined {
  const next = withMetadata(current, wanted);
  const aggregation = wanted['aggregationRule'] as { clusterRoleSelectors?: unknown[] } | null | undefined;
  if (aggregation) {
    const have = ((current['aggregationRule'] as typeof aggregation)?.clusterRoleSelectors ?? []);
    const missing = (aggregation.clusterRoleSelectors ?? []).filter((s) => !have.some((h) => isDeepStrictEqual(h, s)));
    if (missing.length > 0) next['aggregationRule'] = { clusterRoleSelectors: [...have, ...missing] };
  } else {
    const missing = uncovered(rulesOf(current), rulesOf(wanted));
    if (missing.length > 0) next['rules'] = [...rulesOf(current), ...missing];
  }
  return isDeepStrictEqual(next, current) ? undefined : next;
}

/** A binding with the labels, annotations and subjects it lacks; undefined when it lacks none. */
function reconcileBinding(current: Obj, wanted: Obj): Obj | undefined {
  const next = withMetadata(current, wanted);
  const have = subjectsOf(current);
  const missing = subjectsOf(wanted).filter((s) => !have.some((h) => isDeepStrictEqual(h, s)));
  if (missing.length > 0) next['subjects'] = [...have, ...missing];
  return isDeepStrictEqual(next, current) ? undefined : next;
}

function withMetadata(current: Obj, wanted: Obj): Obj {
  const meta = metaOf(current);
  return {
    ...current,
    metadata: {
      ...meta,
      labels: { ...metaOf(wanted).labels, ...meta.labels },
      annotations: { ...metaOf(wanted).annotations, ...meta.annotations },
    },
  };
}

function ensureNamespace(api: ObjectApi, name: string, context: RequestContext): void {
  const namespaces = findResource('', 'v1', 'namespaces')!;
  if (name === '' || api.find(namespaces, '', name)) return;
  ignoreConflict(() => api.create(namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, context));
}

/** A create that lost a race with another creator is fine. */
function ignoreConflict(create: () => unknown): void {
  try {
    create();
  } catch (error) {
    if (!(error instanceof StatusError && error.code === 409)) throw error;
  }
}
