/**
 * The API server's rules that hostpod's policy engine missed or worded otherwise until the
 * differential test (test/e2e/differential-validation.test.ts) compared it with a real
 * kube-apiserver 1.36: each row is an object and the field errors that kube-apiserver answered
 * its dry run with, recorded from it. Objects are validated as the API server validates them:
 * defaulted, and a pod's AppArmor annotations synced to fields. Errors compare as a set: upstream
 * walks annotation, label and resource maps in Go's random order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultPodKind } from '../../../src/api/defaults/index.js';
import { resolveKind, type PodKind } from '../../../src/api/kinds.js';
import { syncAppArmorAnnotations, validateObject } from '../../../src/policy/validation/index.js';
import { rendered } from '../../helpers.js';

interface Row {
  name: string;
  object: Record<string, unknown>;
  /** kube-apiserver's causes, `field: message`, sorted. */
  errors: string[];
}

const ROWS: Row[] = [
  {
    name: "sysctl names must match the pattern, once each",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "securityContext": {"sysctls": [{"name": "Bad_Name", "value": "1"}, {"name": "kernel.shm_rmid_forced", "value": "1"}, {"name": "kernel.shm_rmid_forced", "value": "0"}]}}},
    errors: [
      "spec.securityContext.sysctls[0].name: Invalid value: \"Bad_Name\": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$",
      "spec.securityContext.sysctls[2].name: Duplicate value: \"kernel.shm_rmid_forced\"",
    ],
  },
  {
    name: "namespaced sysctls are refused with the host network or IPC",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "hostNetwork": true, "hostIPC": true, "securityContext": {"sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1 2"}, {"name": "kernel.msgmax", "value": "1"}, {"name": "net/ipv4/tcp_syncookies", "value": "1"}]}}},
    errors: [
      "spec.securityContext.sysctls[0].name: Invalid value: \"net.ipv4.ip_local_port_range\": may not be specified when 'hostNetwork' is true",
      "spec.securityContext.sysctls[1].name: Invalid value: \"kernel.msgmax\": may not be specified when 'hostIPC' is true",
      "spec.securityContext.sysctls[2].name: Invalid value: \"net/ipv4/tcp_syncookies\": may not be specified when 'hostNetwork' is true",
    ],
  },
  {
    name: "procMount must be Default or Unmasked, and Unmasked needs hostUsers false",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"procMount": "Unmasked"}}, {"name": "d", "image": "busybox", "securityContext": {"procMount": "Bogus"}}]}},
    errors: [
      "spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`",
      "spec.containers[1].securityContext.procMount: Unsupported value: \"Bogus\": supported values: \"Default\", \"Unmasked\"",
    ],
  },
  {
    name: "procMount Unmasked is valid with hostUsers false",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"procMount": "Unmasked"}}], "hostUsers": false}},
    errors: [
    ],
  },
  {
    name: "seccompProfile: a Localhost type needs a relative profile without ..",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "/abs/../x.json"}}}], "securityContext": {"seccompProfile": {"type": "Localhost"}}}},
    errors: [
      "spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: \"/abs/../x.json\": must be a relative path",
      "spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: \"/abs/../x.json\": must not contain '..'",
      "spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost",
    ],
  },
  {
    name: "seccompProfile: only Localhost takes a profile, and the type is required",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"seccompProfile": {"type": ""}}}, {"name": "d", "image": "busybox", "securityContext": {"seccompProfile": {"type": "Bogus"}}}], "securityContext": {"seccompProfile": {"type": "RuntimeDefault", "localhostProfile": "x.json"}}}},
    errors: [
      "spec.containers[0].securityContext.seccompProfile.type: Required value: type is required when seccompProfile is set",
      "spec.containers[1].securityContext.seccompProfile.type: Unsupported value: \"Bogus\": supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\"",
      "spec.securityContext.seccompProfile.localhostProfile: Invalid value: {\"Type\":\"RuntimeDefault\",\"LocalhostProfile\":\"x.json\"}: can only be set when seccomp type is Localhost",
    ],
  },
  {
    name: "appArmorProfile: a Localhost type needs an unpadded profile",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": " p "}}}, {"name": "d", "image": "busybox", "securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": ""}}}], "securityContext": {"appArmorProfile": {"type": "Localhost"}}}},
    errors: [
      "spec.containers[0].securityContext.appArmorProfile.localhostProfile: Invalid value: \" p \": must not be padded with whitespace",
      "spec.containers[1].securityContext.appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is Localhost",
      "spec.securityContext.appArmorProfile.localhostProfile: Required value: must be set when AppArmor type is Localhost",
    ],
  },
  {
    name: "appArmorProfile: only Localhost takes a profile, and the type is required",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"appArmorProfile": {"type": "Unconfined", "localhostProfile": "p"}}}, {"name": "d", "image": "busybox", "securityContext": {"appArmorProfile": {"type": ""}}}, {"name": "e", "image": "busybox", "securityContext": {"appArmorProfile": {"type": "Bogus"}}}]}},
    errors: [
      "spec.containers[0].securityContext.appArmorProfile.localhostProfile: Invalid value: \"p\": can only be set when AppArmor type is Localhost",
      "spec.containers[1].securityContext.appArmorProfile.type: Required value: type is required when appArmorProfile is set",
      "spec.containers[2].securityContext.appArmorProfile.type: Unsupported value: \"Bogus\": supported values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\"",
    ],
  },
  {
    name: "allowPrivilegeEscalation false rules out privileged and CAP_SYS_ADMIN, shown as the internal struct",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"allowPrivilegeEscalation": false, "privileged": true, "capabilities": {"add": ["CAP_SYS_ADMIN"]}, "windowsOptions": {"runAsUserName": "u"}}}]}},
    errors: [
      "spec.containers[0].securityContext: Invalid value: {\"Capabilities\":{\"Add\":[\"CAP_SYS_ADMIN\"],\"Drop\":null},\"Privileged\":true,\"SELinuxOptions\":null,\"WindowsOptions\":{\"GMSACredentialSpecName\":null,\"GMSACredentialSpec\":null,\"RunAsUserName\":\"u\",\"HostProcess\":null},\"RunAsUser\":null,\"RunAsGroup\":null,\"RunAsNonRoot\":null,\"ReadOnlyRootFilesystem\":null,\"AllowPrivilegeEscalation\":false,\"ProcMount\":null,\"SeccompProfile\":null,\"AppArmorProfile\":null}: cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
      "spec.containers[0].securityContext: Invalid value: {\"Capabilities\":{\"Add\":[\"CAP_SYS_ADMIN\"],\"Drop\":null},\"Privileged\":true,\"SELinuxOptions\":null,\"WindowsOptions\":{\"GMSACredentialSpecName\":null,\"GMSACredentialSpec\":null,\"RunAsUserName\":\"u\",\"HostProcess\":null},\"RunAsUser\":null,\"RunAsGroup\":null,\"RunAsNonRoot\":null,\"ReadOnlyRootFilesystem\":null,\"AllowPrivilegeEscalation\":false,\"ProcMount\":null,\"SeccompProfile\":null,\"AppArmorProfile\":null}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
    ],
  },
  {
    name: "user and group IDs are 0 to 2^31-1",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"runAsUser": 2147483648, "runAsGroup": -1}}], "securityContext": {"runAsUser": -1, "runAsGroup": 2147483648, "fsGroup": -5, "supplementalGroups": [1, -2]}}},
    errors: [
      "spec.containers[0].securityContext.runAsGroup: Invalid value: -1: must be between 0 and 2147483647, inclusive",
      "spec.containers[0].securityContext.runAsUser: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive",
      "spec.securityContext.fsGroup: Invalid value: -5: must be between 0 and 2147483647, inclusive",
      "spec.securityContext.runAsGroup: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive",
      "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
      "spec.securityContext.supplementalGroups[1]: Invalid value: -2: must be between 0 and 2147483647, inclusive",
    ],
  },
  {
    name: "Bidirectional mount propagation needs a privileged container",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "volumeMounts": [{"name": "v", "mountPath": "/a", "mountPropagation": "Bidirectional"}, {"name": "v", "mountPath": "/b", "mountPropagation": "Sideways"}]}, {"name": "d", "image": "busybox", "securityContext": {"privileged": true}, "volumeMounts": [{"name": "v", "mountPath": "/a", "mountPropagation": "Bidirectional"}]}], "volumes": [{"name": "v", "emptyDir": {}}]}},
    errors: [
      "spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers",
      "spec.containers[0].volumeMounts.mountPropagation: Unsupported value: \"Sideways\": supported values: \"Bidirectional\", \"HostToContainer\", \"None\"",
    ],
  },
  {
    name: "host ports are unique among containers, and each init container on its own (named at index 0)",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 80, "hostPort": 8080}]}, {"name": "d", "image": "busybox", "ports": [{"containerPort": 81, "hostPort": 8080}]}], "initContainers": [{"name": "i", "image": "busybox"}, {"name": "j", "image": "busybox", "ports": [{"containerPort": 80, "hostPort": 9090}, {"containerPort": 81, "hostPort": 9090}]}]}},
    errors: [
      "spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//8080\"",
      "spec.initContainers[0].ports[1].hostPort: Duplicate value: \"TCP//9090\"",
    ],
  },
  {
    name: "a host network pod's ports are its host ports",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 80}, {"containerPort": 81, "hostPort": 82}]}, {"name": "d", "image": "busybox", "ports": [{"containerPort": 80}]}], "hostNetwork": true}},
    errors: [
      "spec.containers[0].ports[1].hostPort: Invalid value: 82: must match `containerPort` when `hostNetwork` is true",
      "spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//80\"",
    ],
  },
  {
    name: "hostUsers false cannot share the host's namespaces",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "hostUsers": false, "hostNetwork": true, "hostPID": true, "hostIPC": true}},
    errors: [
      "spec.HostIPC: Forbidden: when `hostUsers` is false",
      "spec.HostPID: Forbidden: when `hostUsers` is false",
      "spec.hostNetwork: Forbidden: when `hostUsers` is false",
    ],
  },
  {
    name: "init containers take probes only with restartPolicy Always, and any container restart policy",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "initContainers": [{"name": "i", "image": "busybox", "restartPolicy": "Never", "livenessProbe": {"exec": {"command": ["true"]}}}, {"name": "j", "image": "busybox", "restartPolicy": "Bogus"}]}},
    errors: [
      "spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
      "spec.initContainers[1].restartPolicy: Unsupported value: \"Bogus\": supported values: \"Always\", \"Never\", \"OnFailure\"",
    ],
  },
  {
    name: "volume sources: hostPath type, nfs path, claim name, configMap name, projected token, csi driver",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "volumes": [{"name": "a", "hostPath": {"path": "/x", "type": "Bogus"}}, {"name": "b", "nfs": {"server": "s", "path": "rel"}}, {"name": "c", "persistentVolumeClaim": {"claimName": ""}}, {"name": "d", "configMap": {"name": "", "items": [{"key": "k", "path": "../x"}]}}, {"name": "e", "projected": {"sources": [{"serviceAccountToken": {"path": "", "expirationSeconds": 60}}]}}, {"name": "f", "csi": {"driver": "Bad_Driver"}}, {"name": "g", "emptyDir": {"sizeLimit": "-1Gi"}}, {"name": "h", "hostPath": {"path": "/a/../b"}}]}},
    errors: [
      "spec.volumes[0].hostPath.type: Unsupported value: \"Bogus\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\"",
      "spec.volumes[1].nfs.path: Invalid value: \"rel\": must be an absolute path",
      "spec.volumes[2].persistentVolumeClaim.claimName: Required value",
      "spec.volumes[3].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'",
      "spec.volumes[3].configMap.name: Required value",
      "spec.volumes[4].projected.path: Required value",
      "spec.volumes[4].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
      "spec.volumes[5].csi.driver: Invalid value: \"Bad_Driver\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.volumes[6].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity",
      "spec.volumes[7].hostPath.path: Invalid value: \"/a/../b\": must not contain '..'",
    ],
  },
  {
    name: "an image volume needs a reference in a pod, not in a template",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "volumes": [{"name": "a", "image": {"reference": ""}}]}},
    errors: [
      "spec.volumes[0].image.reference: Required value",
    ],
  },
  {
    name: "an image volume needs no reference in a template",
    object: {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "volumes": [{"name": "a", "image": {"reference": ""}}]}}, "selector": {"matchLabels": {"app": "a"}}}},
    errors: [
    ],
  },
  {
    name: "an ephemeral volume's claim is named after the pod",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Upper"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "volumes": [{"name": "v", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}}}]}},
    errors: [
      "metadata.name: Invalid value: \"Upper\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.volumes[0].name: Invalid value: \"v\": PVC name \"Upper-v\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
  },
  {
    name: "resource names are standard or fully qualified; extended resources are whole and not overcommitted",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {"limits": {"gpu": "1", "example.com/dongle": "2"}, "requests": {"example.com/dongle": "1", "example.com/key": "500m", "pods": "1"}}}]}},
    errors: [
      "spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources",
      "spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers",
      "spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified",
      "spec.containers[0].resources.requests: Invalid value: \"1\": must be equal to example.com/dongle limit of 2",
      "spec.containers[0].resources.requests[example.com/key]: Invalid value: \"500m\": must be an integer",
      "spec.containers[0].resources.requests[gpu]: Invalid value: \"gpu\": must be a standard resource for containers",
      "spec.containers[0].resources.requests[gpu]: Invalid value: \"gpu\": must be a standard resource type or fully qualified",
      "spec.containers[0].resources.requests[pods]: Invalid value: \"pods\": must be a standard resource for containers",
    ],
  },
  {
    name: "seccomp and AppArmor annotations: their values, their containers, and agreement with the fields",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"seccomp.security.alpha.kubernetes.io/pod": "bogus", "container.seccomp.security.alpha.kubernetes.io/c": "unconfined", "container.apparmor.security.beta.kubernetes.io/c": "localhost/x", "container.apparmor.security.beta.kubernetes.io/nope": "bogus"}}, "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}, "appArmorProfile": {"type": "RuntimeDefault"}}}]}},
    errors: [
      "metadata.annotations.seccomp.security.alpha.kubernetes.io/pod: Invalid value: \"bogus\": must be a valid seccomp profile",
      "metadata.annotations[container.apparmor.security.beta.kubernetes.io/nope]: Invalid value: \"bogus\": invalid AppArmor profile name: \"bogus\"",
      "metadata.annotations[container.apparmor.security.beta.kubernetes.io/nope]: Invalid value: \"nope\": container not found",
      "spec.containers[0].securityContext.appArmorProfile.type: Forbidden: apparmor type in annotation and field must match",
      "spec.containers[0].securityContext.seccompProfile.type: Forbidden: seccomp type in annotation and field must match",
    ],
  },
  {
    name: "a template's labels and annotations are named without metadata",
    object: {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "a", "bad key": "x"}, "annotations": {"bad key": "x", "container.apparmor.security.beta.kubernetes.io/c": "bogus"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}, "selector": {"matchLabels": {"app": "a"}}}},
    errors: [
      "spec.template.annotations: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "spec.template.annotations[container.apparmor.security.beta.kubernetes.io/c]: Invalid value: \"bogus\": invalid AppArmor profile name: \"bogus\"",
      "spec.template.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
  },
  {
    name: "a Deployment validates no template behind a selector it cannot parse",
    object: {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "-x-"}}, "spec": {"containers": [{"name": "C", "image": ""}], "restartPolicy": "Never"}}, "selector": {"matchLabels": {"app": "-x-"}}}},
    errors: [
      "spec.selector.matchLabels: Invalid value: \"-x-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      "spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"-x-\"}}: invalid label selector",
    ],
  },
  {
    name: "a DaemonSet without a selector selects nothing; its template is still validated",
    object: {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "C", "image": "busybox"}]}}}},
    errors: [
      "spec.template.metadata.labels: Invalid value: {\"app\":\"a\"}: `selector` does not match template `labels`",
      "spec.template.spec.containers[0].name: Invalid value: \"C\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ],
  },
  {
    name: "a DaemonSet selector's requirements are validated",
    object: {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}, "selector": {"matchExpressions": [{"key": "app", "operator": "In"}, {"key": "app", "operator": "Exists", "values": ["x"]}, {"key": "app", "operator": "Bogus"}]}}},
    errors: [
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      "spec.selector.matchExpressions[2].operator: Invalid value: \"Bogus\": not a valid selector operator",
    ],
  },
  {
    name: "a Job takes its name as labels of its pods and of itself",
    object: {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "trailing-"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Never"}}}},
    errors: [
      "metadata.labels: Invalid value: \"trailing-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      "metadata.labels: Invalid value: \"trailing-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      "metadata.name: Invalid value: \"trailing-\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.template.labels: Invalid value: \"trailing-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      "spec.template.labels: Invalid value: \"trailing-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ],
  },
  {
    name: "a Job left to restart Always is told the policy is required",
    object: {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Always"}}}},
    errors: [
      "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"",
    ],
  },
  {
    name: "label keys: an empty name part fails the pattern too, and limits are in bytes",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"example.com/": "x", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk": "v", "x": "éééééééééééééééééééééééééééééééé"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}},
    errors: [
      "metadata.labels: Invalid value: \"example.com/\": name part must be non-empty",
      "metadata.labels: Invalid value: \"example.com/\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "metadata.labels: Invalid value: \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": name part must be no more than 63 bytes",
      "metadata.labels: Invalid value: \"éééééééééééééééééééééééééééééééé\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      "metadata.labels: Invalid value: \"éééééééééééééééééééééééééééééééé\": must be no more than 63 bytes",
    ],
  },
  {
    name: "os.name is required without detail",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "os": {"name": ""}}},
    errors: [
      "spec.os.name: Required value",
    ],
  },
  {
    name: "probes: one handler, valid ports, non-negative timings, a success threshold of 1 where only 1 makes sense",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "livenessProbe": {"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}, "successThreshold": 2, "periodSeconds": -1}, "readinessProbe": {"httpGet": {"port": "Bad_Port"}, "terminationGracePeriodSeconds": 5}, "startupProbe": {"grpc": {"port": 0}, "terminationGracePeriodSeconds": 0}}, {"name": "d", "image": "busybox", "livenessProbe": {"periodSeconds": 10}, "readinessProbe": {"exec": {"command": []}}}]}},
    errors: [
      "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
      "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
      "spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
      "spec.containers[0].readinessProbe.httpGet.port: Invalid value: \"Bad_Port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
      "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes",
      "spec.containers[0].startupProbe.grpc.port: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.containers[0].startupProbe.terminationGracePeriodSeconds: Invalid value: 0: must be greater than 0",
      "spec.containers[1].livenessProbe: Required value: must specify a handler type",
      "spec.containers[1].readinessProbe.exec.command: Required value",
    ],
  },
  {
    name: "lifecycle hooks: one handler, and a sleep within the grace period",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "lifecycle": {"postStart": {"sleep": {"seconds": 11}}, "preStop": {"tcpSocket": {"port": 70000}, "exec": {"command": ["x"]}}}}], "terminationGracePeriodSeconds": 10}},
    errors: [
      "spec.containers[0].lifecycle.postStart.sleep: Invalid value: 11: must be non-negative and less than terminationGracePeriodSeconds (10)",
      "spec.containers[0].lifecycle.preStop.tcpSocket: Forbidden: may not specify more than 1 handler type",
    ],
  },
  {
    name: "env: relaxed names, one source, not beside a value, downward API fields and resources, key selectors",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "env": [{"name": "A=B", "value": "x"}, {"name": ""}, {"name": "X", "value": "v", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}, {"name": "Y", "valueFrom": {"fieldRef": {"fieldPath": "spec.restartPolicy"}}}, {"name": "Z", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels[x]"}}}, {"name": "W", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['bad key']"}}}, {"name": "V", "valueFrom": {"resourceFieldRef": {"resource": "requests.gpu"}}}, {"name": "U", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "2"}}}, {"name": "T", "valueFrom": {"secretKeyRef": {"name": "Bad_Name", "key": "bad key"}}}, {"name": "S", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": ""}, "secretKeyRef": {"name": "s", "key": "k"}}}, {"name": "R", "valueFrom": {}}]}]}},
    errors: [
      "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
      "spec.containers[0].env[10].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`",
      "spec.containers[0].env[1].name: Required value",
      "spec.containers[0].env[2].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty",
      "spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Unsupported value: \"spec.restartPolicy\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\"",
      "spec.containers[0].env[4].valueFrom.fieldRef.fieldPath: Invalid value: \"metadata.labels[x]\": error converting fieldPath: field label not supported: metadata.labels[x]",
      "spec.containers[0].env[5].valueFrom.fieldRef: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "spec.containers[0].env[6].valueFrom.resourceFieldRef.resource: Unsupported value: \"requests.gpu\": supported values: \"limits.cpu\", \"limits.ephemeral-storage\", \"limits.memory\", \"requests.cpu\", \"requests.ephemeral-storage\", \"requests.memory\"",
      "spec.containers[0].env[7].valueFrom.resourceFieldRef.divisor: Invalid value: \"limits.cpu\": only divisor's values 1m and 1 are supported with the cpu resource",
      "spec.containers[0].env[8].valueFrom.secretKeyRef.key: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      "spec.containers[0].env[8].valueFrom.secretKeyRef.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "spec.containers[0].env[9].valueFrom.configMapKeyRef.key: Required value",
      "spec.containers[0].env[9].valueFrom: Invalid value: \"\": may not have more than one field specified at a time",
    ],
  },
  {
    name: "tolerations: keys, operators, values and effects",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "tolerations": [{"operator": "Equal", "value": "v"}, {"key": "k", "operator": "Exists", "value": "v"}, {"key": "Bad Key", "effect": "Sometimes"}, {"key": "k", "effect": "NoSchedule", "tolerationSeconds": 5}, {"key": "k", "operator": "Lt", "value": "1"}, {"key": "k", "value": "-x-"}]}},
    errors: [
      "spec.tolerations[0].operator: Invalid value: \"Equal\": operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
      "spec.tolerations[1].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
      "spec.tolerations[2].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
      "spec.tolerations[2].key: Invalid value: \"Bad Key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "spec.tolerations[3].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
      "spec.tolerations[4].operator: Unsupported value: \"Lt\": supported values: \"Equal\", \"Exists\", \"Lt\", \"Gt\"",
      "spec.tolerations[5].operator: Invalid value: \"-x-\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ],
  },
  {
    name: "huge pages are whole pages, beside cpu or memory",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox", "resources": {"limits": {"hugepages-2Mi": "3Mi"}}}]}},
    errors: [
      "spec.containers[0].resources.limits[hugepages-2Mi]: Invalid value: \"3Mi\": 3Mi is not positive integer multiple of hugepages-2Mi",
      "spec.containers[0].resources.requests[hugepages-2Mi]: Invalid value: \"3Mi\": 3Mi is not positive integer multiple of hugepages-2Mi",
      "spec.containers[0].resources: Forbidden: HugePages require cpu or memory",
    ],
  },
  {
    name: "pod fields: hostname, subdomain, active deadline, node selector",
    object: {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "hostname": "Bad.Host", "subdomain": "a_b", "activeDeadlineSeconds": 0, "nodeSelector": {"bad key": "v"}}},
    errors: [
      "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
      "spec.hostname: Invalid value: \"Bad.Host\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      "spec.nodeSelector: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "spec.subdomain: Invalid value: \"a_b\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ],
  },
  {
    name: "a template's priority class name is validated (a pod's is looked up first, by admission)",
    object: {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "w"}, "spec": {"template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}], "priorityClassName": "Bad_Class"}}, "selector": {"matchLabels": {"app": "a"}}}},
    errors: [
      "spec.template.spec.priorityClassName: Invalid value: \"Bad_Class\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
  },

];

/** The object's errors as the API server finds them. */
function errorsOf(object: Record<string, unknown>): string[] {
  const info = (resolveKind(object['apiVersion'], object['kind']) as { info: PodKind }).info;
  const defaulted = defaultPodKind(info, object);
  if (info.kind === 'Pod') syncAppArmorAnnotations(defaulted);
  return rendered(validateObject(info, defaulted, { allowPrivileged: true }).errors).sort();
}

describe('validation as kube-apiserver answers it', () => {
  for (const row of ROWS) {
    test(row.name, () => assert.deepEqual(errorsOf(row.object), row.errors));
  }
});
