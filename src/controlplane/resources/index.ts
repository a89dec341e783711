/**
 * The resources the control plane serves, one definition per file in `definitions/`: enough of
 * core/v1, apps/v1, authentication.k8s.io/v1, authorization.k8s.io/v1, rbac.authorization.k8s.io/v1 and coordination.k8s.io/v1
 * for HostProcess workloads, the node agent and kubectl auth. Serving another resource is one new definition and one line here (see
 * docs/adding-a-resource.md).
 */
import { bindings } from './definitions/bindings.js';
import { clusterRoleBindings } from './definitions/clusterrolebindings.js';
import { clusterRoles } from './definitions/clusterroles.js';
import { localSubjectAccessReviews } from './definitions/localsubjectaccessreviews.js';
import { roleBindings } from './definitions/rolebindings.js';
import { roles } from './definitions/roles.js';
import { selfSubjectRulesReviews } from './definitions/selfsubjectrulesreviews.js';
import { configMaps } from './definitions/configmaps.js';
import { customResourceDefinitions } from './definitions/customresourcedefinitions.js';
import { controllerRevisions } from './definitions/controllerrevisions.js';
import { cronJobs } from './definitions/cronjobs.js';
import { daemonSets } from './definitions/daemonsets.js';
import { deployments } from './definitions/deployments.js';
import { replicaSets } from './definitions/replicasets.js';
import { events } from './definitions/events.js';
import { jobs } from './definitions/jobs.js';
import { leases } from './definitions/leases.js';
import { namespaces } from './definitions/namespaces.js';
import { nodes } from './definitions/nodes.js';
import { pods } from './definitions/pods.js';
import { secrets } from './definitions/secrets.js';
import { selfSubjectAccessReviews } from './definitions/selfsubjectaccessreviews.js';
import { selfSubjectReviews } from './definitions/selfsubjectreviews.js';
import { serviceAccounts } from './definitions/serviceaccounts.js';
import { subjectAccessReviews } from './definitions/subjectaccessreviews.js';
import { tokenReviews } from './definitions/tokenreviews.js';
import { services } from './definitions/services.js';
import { endpoints } from './definitions/endpoints.js';
import { endpointSlices } from './definitions/endpointslices.js';
import type { ResourceDefinition } from './definition.js';
import { ResourceRegistry } from './registry.js';

/** Every served resource, in discovery order (kube-apiserver's groups, and each group's resources, alphabetical). */
export const RESOURCES: readonly ResourceDefinition[] = [
  namespaces, pods, bindings, nodes, events, serviceAccounts, configMaps, secrets, services, endpoints, controllerRevisions, daemonSets, deployments, replicaSets,
  selfSubjectReviews, tokenReviews, localSubjectAccessReviews, selfSubjectAccessReviews, selfSubjectRulesReviews, subjectAccessReviews,
  cronJobs, jobs,
  clusterRoleBindings, clusterRoles, roleBindings, roles,
  customResourceDefinitions,
  leases,
  endpointSlices,
];

/** The registry of RESOURCES, built (and checked) once. */
export const resourceRegistry = new ResourceRegistry(RESOURCES);

/** The resource at `/api(s)/GROUP/VERSION/RESOURCE`, if served. */
export function findResource(group: string, version: string, resource: string): ResourceDefinition | undefined {
  return resourceRegistry.find(group, version, resource);
}

export {
  ALL_VERBS, defineResource, groupVersion, hasSubresource, kindKey, STATUS_VERBS, storeResource,
  type AnsweredCreate, type ResourceDefinition, type ResourceSpec, type StrategyContext, type Subresource,
} from './definition.js';
export { ResourceRegistry } from './registry.js';
export { CRD_CLEANUP_FINALIZER } from './definitions/customresourcedefinitions.js';
export { KUBERNETES_FINALIZER } from './definitions/namespaces.js';
export { TEMPLATE_GENERATION_ANNOTATION } from './definitions/daemonsets.js';
export { bindPod } from './pod-binding.js';
