/**
 * Defaults of one container (regular, init or ephemeral), as core/v1's SetDefaults_Container and
 * the defaulters generated for its ports, env, resources, probes and lifecycle hooks.
 */
import { defaultImagePullPolicy } from './image-pull-policy.js';
import {
  defaultNumber, defaultPointer, defaultString, ensureObject, isJsonObject, isUnset, objectAt, objectsAt,
  type JsonObject,
} from './json.js';
import { canonicalQuantity, defaultResourceList } from './quantities.js';

const TERMINATION_MESSAGE_PATH = '/dev/termination-log';

/** Mutates `container` in place with the API server's defaults. */
export function defaultContainer(container: JsonObject): void {
  defaultString(container, 'imagePullPolicy', defaultImagePullPolicy(container['image']));
  defaultString(container, 'terminationMessagePath', TERMINATION_MESSAGE_PATH);
  defaultString(container, 'terminationMessagePolicy', 'File');
  for (const port of objectsAt(container, 'ports')) defaultString(port, 'protocol', 'TCP');
  for (const env of objectsAt(container, 'env')) {
    const valueFrom = objectAt(env, 'valueFrom');
    if (valueFrom) defaultFieldSources(valueFrom);
  }
  // ResourceRequirements is a struct value in Go: it is always serialized, empty or not.
  const resources = ensureObject(container, 'resources');
  defaultResourceList(resources, 'limits');
  defaultResourceList(resources, 'requests');
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = objectAt(container, key);
    if (probe) defaultProbe(probe);
  }
  const lifecycle = objectAt(container, 'lifecycle');
  for (const key of ['postStart', 'preStop']) {
    const handler = lifecycle && objectAt(lifecycle, key);
    const httpGet = handler && objectAt(handler, 'httpGet');
    if (httpGet) defaultHTTPGet(httpGet);
  }
}

/** `fieldRef` and `resourceFieldRef` of an env var or a downward API file. */
export function defaultFieldSources(source: JsonObject): void {
  const fieldRef = objectAt(source, 'fieldRef');
  if (fieldRef) defaultString(fieldRef, 'apiVersion', 'v1');
  const resourceFieldRef = objectAt(source, 'resourceFieldRef');
  // divisor is a Quantity value, not a pointer: an unset divisor is written as "0".
  if (resourceFieldRef) resourceFieldRef['divisor'] = isUnset(resourceFieldRef['divisor']) ? '0' : canonicalQuantity(resourceFieldRef['divisor']);
}

function defaultProbe(probe: JsonObject): void {
  defaultNumber(probe, 'timeoutSeconds', 1);
  defaultNumber(probe, 'periodSeconds', 10);
  defaultNumber(probe, 'successThreshold', 1);
  defaultNumber(probe, 'failureThreshold', 3);
  const httpGet = objectAt(probe, 'httpGet');
  if (httpGet) defaultHTTPGet(httpGet);
  const grpc = probe['grpc'];
  if (isJsonObject(grpc)) defaultPointer(grpc, 'service', '');
}

function defaultHTTPGet(action: JsonObject): void {
  defaultString(action, 'path', '/');
  defaultString(action, 'scheme', 'HTTP');
}
