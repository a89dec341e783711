/** Endpoints (core/v1) and EndpointSlice (discovery.k8s.io/v1) defaulting. */
import { isJsonObject, type JsonObject } from './json.js';

const objects = (value: unknown): JsonObject[] => (Array.isArray(value) ? value.filter(isJsonObject) : []);

/** SetDefaults_Endpoints: each port's protocol TCP. */
export function defaultEndpoints(endpoints: JsonObject): void {
  for (const subset of objects(endpoints['subsets'])) {
    for (const port of objects(subset['ports'])) if (port['protocol'] === undefined || port['protocol'] === null || port['protocol'] === '') port['protocol'] = 'TCP';
  }
}

/**
 * SetDefaults_EndpointPort (name "", protocol TCP); and `endpoints` and `ports`, which Go writes
 * without omitempty, null when empty (an empty list does not survive kube-apiserver's storage).
 */
export function defaultEndpointSlice(slice: JsonObject): void {
  for (const port of objects(slice['ports'])) {
    if (port['name'] === undefined || port['name'] === null) port['name'] = '';
    if (port['protocol'] === undefined || port['protocol'] === null) port['protocol'] = 'TCP';
  }
  for (const key of ['endpoints', 'ports']) {
    if (!Array.isArray(slice[key]) || slice[key].length === 0) slice[key] = null;
  }
}
