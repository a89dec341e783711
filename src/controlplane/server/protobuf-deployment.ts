/**
 * The Protobuf message types of an apps/v1 Deployment as `kubectl create deployment` sends it
 * (k8s.io/api's generated.proto field numbers): the spec, its selector and strategy, and of the
 * pod template what that command sets (containers' names, images, commands, ports, resources).
 * Fields not listed here are not in such a body; any other client sends JSON.
 */
const str = (id: number) => ({ type: 'string', id });
const int = (id: number) => ({ type: 'int32', id });
const map = (id: number, type = 'string') => ({ keyType: 'string', type, id });
const repeated = (id: number, type: string) => ({ rule: 'repeated', type, id });

/** The kinds these types decode. */
export const DEPLOYMENT_KINDS = ['Deployment'] as const;

/** Message definitions, beside those of protobuf.ts (ObjectMeta, TypeMeta). */
export const DEPLOYMENT_SCHEMA = {
  Deployment: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, spec: { type: 'DeploymentSpec', id: 2 } } },
  DeploymentSpec: {
    fields: {
      replicas: int(1), selector: { type: 'LabelSelector', id: 2 }, template: { type: 'PodTemplateSpec', id: 3 }, strategy: { type: 'DeploymentStrategy', id: 4 },
      minReadySeconds: int(5), revisionHistoryLimit: int(6), paused: { type: 'bool', id: 7 }, progressDeadlineSeconds: int(9),
    },
  },
  // kubectl create deployment sets no rollingUpdate (an IntOrString pair), only what defaulting fills.
  DeploymentStrategy: { fields: { type: str(1) } },
  LabelSelector: { fields: { matchLabels: map(1), matchExpressions: repeated(2, 'LabelSelectorRequirement') } },
  LabelSelectorRequirement: { fields: { key: str(1), operator: str(2), values: repeated(3, 'string') } },
  PodTemplateSpec: { fields: { metadata: { type: 'ObjectMeta', id: 1 }, spec: { type: 'PodSpec', id: 2 } } },
  PodSpec: { fields: { containers: repeated(2, 'Container'), restartPolicy: str(3), hostNetwork: { type: 'bool', id: 11 } } },
  Container: {
    fields: {
      name: str(1), image: str(2), command: repeated(3, 'string'), args: repeated(4, 'string'), ports: repeated(6, 'ContainerPort'),
      resources: { type: 'ResourceRequirements', id: 8 },
    },
  },
  ContainerPort: { fields: { name: str(1), hostPort: int(2), containerPort: int(3), protocol: str(4), hostIP: str(5) } },
  ResourceRequirements: { fields: { limits: map(1, 'Quantity'), requests: map(2, 'Quantity') } },
  Quantity: { fields: { string: str(1) } },
};

/** Fields that are pointers in Go: present with 0 in a Protobuf body means 0, not unset. */
export const DEPLOYMENT_POINTER_FIELDS = ['replicas', 'revisionHistoryLimit', 'progressDeadlineSeconds'] as const;
