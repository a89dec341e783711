/**
 * `GET`, `PUT` and `PATCH` of `deployments/NAME/scale` and `replicasets/NAME/scale`: the object
 * seen as an autoscaling/v1 Scale, and a Scale written back as a change of `spec.replicas`, which
 * the object's own strategy then validates (`kubectl scale`, `kubectl get --subresource=scale`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { metaOf, type Obj } from '../api/object-meta.js';
import { conflict, invalidObject, keepingWarnings } from '../api/status-error.js';
import { decodePatch, patchObject } from '../patch/index.js';
import { Scale } from '../patch/patch-meta.js';
import { scaleErrors, scaleOf, withScale } from '../resources/scale.js';
import type { ApiHandler } from './api-handler.js';
import { decodeBody, readBody } from './request.js';
import type { ResourceRequest } from './resource-handlers.js';
import { sendJson } from './respond.js';
import { writeContext } from './write-options.js';
import { negotiate } from './negotiation.js';
import { represent } from './representations.js';
import { scalePrinter } from '../tables/scale.js';

const SCALE_KIND = { kind: 'Scale', group: 'autoscaling' };

export async function serveScale(handler: ApiHandler, request: IncomingMessage, response: ServerResponse, r: ResourceRequest): Promise<void> {
  const { api } = handler.options;
  const name = r.name!;
  if (r.verb === 'get') {
    const representation = negotiate(request.headers.accept);
    const scale = scaleOf(api.get(r.info, r.namespace, name));
    // The table of a Scale is its own (printScale), not its object's.
    const info = { ...r.info, kind: 'Scale', group: 'autoscaling', version: 'v1', printer: scalePrinter };
    return sendJson(response, 200, representation.type === 'not-acceptable' ? scale : represent(info, scale, representation, r.url.searchParams, api.now()));
  }
  const context = writeContext(r.verb, r.url.searchParams, r.user);
  const body = await readBody(request);
  const patchType = request.headers['content-type'] ?? '';
  const decoded = r.verb === 'patch' ? decodePatch(patchType, Scale, body) : await decodeBody(request, body);
  const warnings: string[] = [];
  const updated = keepingWarnings(warnings, () => api.mutate(r.info, r.namespace, name, (current) => {
    const scale = (r.verb === 'patch' ? patchObject(patchType, Scale, scaleOf(current), decoded).object : decoded) as Obj;
    const errors = scaleErrors(scale);
    if (errors.length > 0) throw invalidObject(SCALE_KIND, { metadata: { name } }, errors);
    // A Scale that names a resourceVersion is a precondition on the object, as a PUT's.
    const version = metaOf(scale).resourceVersion;
    if (version && version !== metaOf(current).resourceVersion) throw conflict({ group: r.info.group, resource: r.info.resource }, name);
    return withScale(current, scale);
  }, context));
  return sendJson(response, 200, scaleOf(updated ?? api.get(r.info, r.namespace, name)), warnings);
}
