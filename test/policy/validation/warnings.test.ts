/**
 * The warnings kube-apiserver sends back with a pod or workload it accepts, which hostpod's
 * policy engine left out until the differential test compared the two: each row is an object
 * and the Warning headers a real kube-apiserver 1.36 answered its dry run with, recorded from it.
 * A pod's create also warns as it syncs AppArmor annotations to fields. Compared as a set.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultPodKind } from '../../../src/api/defaults/index.js';
import { resolveKind, type PodKind } from '../../../src/api/kinds.js';
import { syncAppArmorAnnotations, validateObject } from '../../../src/policy/validation/index.js';

interface Row {
  name: string;
  object: Record<string, unknown>;
  /** kube-apiserver's Warning headers, sorted. */
  warnings: string[];
}

const ROWS: Row[] = [
  {
    name: "a fractional byte quantity is warned about, in the limit and the request copied from it",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {"limits": {"memory": "1500m", "ephemeral-storage": "0.5"}}}]}},
    warnings: [
      "spec.containers[0].resources.limits[ephemeral-storage]: fractional byte value \"500m\" is invalid, must be an integer",
      "spec.containers[0].resources.limits[memory]: fractional byte value \"1500m\" is invalid, must be an integer",
      "spec.containers[0].resources.requests[ephemeral-storage]: fractional byte value \"500m\" is invalid, must be an integer",
      "spec.containers[0].resources.requests[memory]: fractional byte value \"1500m\" is invalid, must be an integer",
    ],
  },
  {
    name: "a template's fractional limit is warned about, and no request is copied from it",
    object: {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {"limits": {"memory": "1500m"}}}]}}, "selector": {"matchLabels": {"app": "a"}}}},
    warnings: [
      "spec.template.spec.containers[0].resources.limits[memory]: fractional byte value \"1500m\" is invalid, must be an integer",
    ],
  },
  {
    name: "ports that repeat each other, and port names used twice",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 80}, {"containerPort": 81, "hostPort": 81}, {"containerPort": 81}]}, {"name": "d", "image": "busybox", "ports": [{"containerPort": 80, "protocol": "UDP", "name": "http"}]}]}},
    warnings: [
      "spec.containers[0].ports[1]: duplicate port definition with spec.containers[0].ports[0]",
      "spec.containers[0].ports[3]: overlapping port definition with spec.containers[0].ports[2]",
      "spec.containers[1].ports[0]: duplicate port name \"http\" with spec.containers[0].ports[0], services and probes that select ports by name will use spec.containers[0].ports[0]",
    ],
  },
  {
    name: "seccomp annotations without their field are non-functional",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default", "container.seccomp.security.alpha.kubernetes.io/c": "runtime/default"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}},
    warnings: [
      "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: non-functional in v1.27+; use the \"seccompProfile\" field instead",
      "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; use the \"seccompProfile\" field instead",
    ],
  },
  {
    name: "deprecated node labels, annotations and volume types",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"scheduler.alpha.kubernetes.io/critical-pod": ""}}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "nodeSelector": {"beta.kubernetes.io/os": "linux"}, "volumes": [{"name": "g", "gitRepo": {"repository": "https://example.com/r.git"}}]}},
    warnings: [
      "metadata.annotations[scheduler.alpha.kubernetes.io/critical-pod]: non-functional in v1.16+; use the \"priorityClassName\" field instead",
      "spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use \"kubernetes.io/os\" instead",
      "spec.volumes[0].gitRepo: deprecated in v1.11, and disabled by default in v1.33+",
    ],
  },
  {
    name: "a pod name that is no DNS label is warned about, the problems joined as Go prints them",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}},
    warnings: [
      "metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [must be no more than 63 characters must not contain dots]",
    ],
  },
  {
    name: "a Deployment name that is no DNS label is warned about",
    object: {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "my.deployment"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}, "selector": {"matchLabels": {"app": "a"}}}},
    warnings: [
      "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]",
    ],
  },
  {
    name: "a Job name that is no DNS label is warned about",
    object: {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "my.job"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Never"}}}},
    warnings: [
      "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]",
    ],
  },
  {
    name: "a DaemonSet name is not",
    object: {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "my.daemonset"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}, "selector": {"matchLabels": {"app": "a"}}}},
    warnings: [
    ],
  },
  {
    name: "a template's AppArmor annotation is deprecated unless the pod profile or its field says the same",
    object: {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}, "annotations": {"container.apparmor.security.beta.kubernetes.io/c": "runtime/default", "container.apparmor.security.beta.kubernetes.io/d": "unconfined"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}, {"name": "d", "image": "busybox", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}], "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}}, "selector": {"matchLabels": {"app": "a"}}}},
    warnings: [
    ],
  },
  {
    name: "a template's AppArmor annotation without a pod profile is deprecated",
    object: {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}, "annotations": {"container.apparmor.security.beta.kubernetes.io/c": "localhost/p"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}, "selector": {"matchLabels": {"app": "a"}}}},
    warnings: [
      "spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: deprecated since v1.30; use the \"appArmorProfile\" field instead",
    ],
  },
  {
    name: "a pod's AppArmor annotation is copied to its field with a warning, unless the pod profile says the same",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"container.apparmor.security.beta.kubernetes.io/c": "runtime/default", "container.apparmor.security.beta.kubernetes.io/d": "localhost/p"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}, {"name": "d", "image": "busybox"}], "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}},
    warnings: [
      "metadata.annotations[container.apparmor.security.beta.kubernetes.io/d]: deprecated since v1.30; use the \"appArmorProfile\" field instead",
    ],
  },
  {
    name: "a pod's AppArmor annotation that names no profile is warned about and not copied",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"container.apparmor.security.beta.kubernetes.io/c": "localhost/"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}},
    warnings: [
      "metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]: deprecated since v1.30; use the \"appArmorProfile\" field instead",
    ],
  },
  {
    name: "an env variable defined again hides the first",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}, {"name": "B", "value": "1"}, {"name": "B", "value": "$(B)x"}]}]}},
    warnings: [
      "spec.containers[0].env[1]: hides previous definition of \"A\", which may be dropped when using apply",
    ],
  },
  {
    name: "image pull secrets named twice or not at all",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "imagePullSecrets": [{"name": "registry"}, {"name": "registry"}, {"name": ""}]}},
    warnings: [
      "spec.imagePullSecrets[1].name: duplicate name \"registry\"",
      "spec.imagePullSecrets[2].name: invalid empty name \"\"",
    ],
  },
  {
    name: "a pod's negative grace period becomes 1 without a warning",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "terminationGracePeriodSeconds": -5}},
    warnings: [
    ],
  },
  {
    name: "a template's negative grace period is warned about",
    object: {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "terminationGracePeriodSeconds": -5}}, "selector": {"matchLabels": {"app": "a"}}}},
    warnings: [
      "spec.template.spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1",
    ],
  },
];

/** The warnings of the object's create, as the API server gives them (it is valid). */
function warningsOf(object: Record<string, unknown>): string[] {
  const info = (resolveKind(object['apiVersion'], object['kind']) as { info: PodKind }).info;
  const defaulted = defaultPodKind(info, object);
  const synced = info.kind === 'Pod' ? syncAppArmorAnnotations(defaulted) : [];
  const result = validateObject(info, defaulted, { allowPrivileged: true });
  assert.deepEqual(result.errors, []);
  return [...synced, ...result.warnings].sort();
}

describe('warnings as kube-apiserver sends them', () => {
  for (const row of ROWS) {
    test(row.name, () => assert.deepEqual(warningsOf(row.object), row.warnings));
  }
});
