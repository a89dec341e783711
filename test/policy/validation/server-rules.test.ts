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
