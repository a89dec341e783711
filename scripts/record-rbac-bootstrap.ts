/**
 * Records the bootstrap RBAC policy a real kube-apiserver reconciles at start (its cluster roles
 * and bindings, and the roles and bindings of kube-system and kube-public, those labelled
 * kubernetes.io/bootstrapping=rbac-defaults) into src/controlplane/auth/rbac/bootstrap-policy.json,
 * which `hostpod up` reconciles at its start. The aggregated roles (admin, edit, view, ...) are
 * recorded as the API server creates them, before the aggregation controller fills their rules:
 * hostpod's own aggregation controller fills them. `npm run record:rbac` after a Kubernetes update.
 */
import { writeFileSync } from 'node:fs';
import { realClusterSkip } from '../test/support/kube-binaries.js';
import { startRealCluster } from '../test/support/real-cluster.js';

const skip = realClusterSkip();
if (skip) {
  console.error(`record-rbac-bootstrap needs the real Kubernetes components: ${skip}`);
  process.exit(2);
}
const cluster = await startRealCluster({ controllers: false });
try {
  const selector = 'labelSelector=kubernetes.io%2Fbootstrapping%3Drbac-defaults';
  const list = async (path: string, kind: string): Promise<Record<string, unknown>[]> => {
    const answer = await cluster.call('GET', `/apis/rbac.authorization.k8s.io/v1/${path}?${selector}`);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.body}`);
    return (JSON.parse(answer.body) as { items: Record<string, unknown>[] }).items.map((item) => manifest(kind, item));
  };
  const policy = {
    kubernetesVersion: (JSON.parse((await cluster.call('GET', '/version')).body) as { gitVersion: string }).gitVersion,
    clusterRoles: await list('clusterroles', 'ClusterRole'),
    clusterRoleBindings: await list('clusterrolebindings', 'ClusterRoleBinding'),
    roles: await list('roles', 'Role'),
    roleBindings: await list('rolebindings', 'RoleBinding'),
  };
  const file = new URL('../src/controlplane/auth/rbac/bootstrap-policy.json', import.meta.url);
  writeFileSync(file, `${JSON.stringify(policy, null, 1)}\n`);
  console.log(`${policy.kubernetesVersion}: ${policy.clusterRoles.length} cluster roles, ${policy.clusterRoleBindings.length} cluster role bindings, ${policy.roles.length} roles, ${policy.roleBindings.length} role bindings`);
} finally {
  await cluster.stop();
}

/** An object as its manifest: what the server sets (uid, resourceVersion, timestamps, managedFields) left out. */
function manifest(kind: string, object: Record<string, unknown>): Record<string, unknown> {
  const { metadata, ...rest } = object as { metadata: Record<string, unknown> };
  const kept = Object.fromEntries(['name', 'namespace', 'labels', 'annotations'].filter((k) => metadata[k] !== undefined).map((k) => [k, metadata[k]]));
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: kept, ...rest };
}
