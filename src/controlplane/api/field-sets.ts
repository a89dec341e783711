/**
 * The fields each resource can be selected by (`--field-selector`), as kube-apiserver's
 * registries define them (`GetAttrs`/`ToSelectableFields`), and their values for an object.
 */
import { badRequest } from './status-error.js';
import type { FieldRequirement } from './selectors.js';

type Obj = Record<string, unknown>;
type Getter = (object: Obj) => string;

function at(object: Obj, path: string): unknown {
  let value: unknown = object;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Obj)[part];
  }
  return value;
}

function text(path: string): Getter {
  return (object) => {
    const value = at(object, path);
    return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  };
}

const META: Record<string, Getter> = { 'metadata.name': text('metadata.name'), 'metadata.namespace': text('metadata.namespace') };

const FIELDS: Record<string, Record<string, Getter>> = {
  pods: {
    'spec.nodeName': text('spec.nodeName'),
    'spec.restartPolicy': text('spec.restartPolicy'),
    'spec.schedulerName': text('spec.schedulerName'),
    'spec.serviceAccountName': text('spec.serviceAccountName'),
    'spec.hostNetwork': (o) => String(at(o, 'spec.hostNetwork') === true),
    'status.phase': text('status.phase'),
    'status.podIP': text('status.podIP'),
    'status.nominatedNodeName': text('status.nominatedNodeName'),
  },
  events: {
    'involvedObject.kind': text('involvedObject.kind'),
    'involvedObject.namespace': text('involvedObject.namespace'),
    'involvedObject.name': text('involvedObject.name'),
    'involvedObject.uid': text('involvedObject.uid'),
    'involvedObject.apiVersion': text('involvedObject.apiVersion'),
    'involvedObject.resourceVersion': text('involvedObject.resourceVersion'),
    'involvedObject.fieldPath': text('involvedObject.fieldPath'),
    reason: text('reason'),
    reportingComponent: text('reportingComponent'),
    source: text('source.component'),
    type: text('type'),
  },
  nodes: { 'spec.unschedulable': (o) => String(at(o, 'spec.unschedulable') === true) },
  namespaces: { 'status.phase': text('status.phase') },
  secrets: { type: text('type') },
};

/** Checks that every field is selectable on `resource`. @throws StatusError 400 as upstream words it */
export function checkFieldSelector(resource: string, requirements: readonly FieldRequirement[]): void {
  for (const r of requirements) {
    if (!(r.field in META) && !(r.field in (FIELDS[resource] ?? {}))) {
      throw badRequest(`field label not supported: ${r.field}`);
    }
  }
}

export function matchesFields(resource: string, requirements: readonly FieldRequirement[], object: Obj): boolean {
  return requirements.every((r) => {
    const get = META[r.field] ?? FIELDS[resource]?.[r.field];
    const value = get ? get(object) : '';
    return r.op === '=' ? value === r.value : value !== r.value;
  });
}
