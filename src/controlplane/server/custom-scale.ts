/**
 * A custom resource's `scale` subresource over HTTP: get, update (PUT of a Scale) and patch (JSON
 * or merge patch of the Scale), each write an update of the custom resource itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeWrite, DEFAULT_FIELD_VALIDATION, statusOf } from '../api/field-validation.js';
import { invalid, methodNotSupported } from '../api/status-error.js';
import { customResourceVersion, scaledObject, scaleOf } from '../customresources/index.js';
import { decodePatch, PatchError, patchObject } from '../patch/index.js';
import type { ApiHandler } from './api-handler.js';
import { decodeBody, readBody } from './request.js';
import type { ResourceRequest } from './resource-handlers.js';
import { sendJson } from './respond.js';
import { negotiate } from './negotiation.js';
import { withRowObject } from './representations.js';
import { metaOf } from '../api/object-meta.js';
import { toTable } from '../tables/index.js';
import { AGE_COLUMN, ageOf, column, integer, NAME_COLUMN, nameOf, record, type ResourcePrinter } from '../tables/shared.js';
import { writeContext } from './write-options.js';

const SCALE = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

/** The autoscaling Scale's table, as kube-apiserver prints it. */
const scalePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN, column('Desired', 'integer', 'Number of desired replicas'), column('Available', 'integer', 'Number of actual replicas'),
    { ...AGE_COLUMN, type: 'date' },
  ],
  row: (scale, now) => ({ cells: [nameOf(scale), integer(record(scale['spec'])['replicas']), integer(record(scale['status'])['replicas']), ageOf(scale, now)] }),
};

export async function serveCustomScale(handler: ApiHandler, request: IncomingMessage, response: ServerResponse, r: ResourceRequest): Promise<void> {
  const { api } = handler.options;
  const spec = customResourceVersion(r.info)!.scale!;
  const current = api.get(r.info, r.namespace, r.name!);
  const send = (code: number, scale: Record<string, unknown>, warnings: string[] = []): void => {
    const representation = negotiate(request.headers.accept);
    if (representation.type !== 'table') return sendJson(response, code, scale, warnings);
    const table = toTable({ printer: scalePrinter }, [scale], api.now(), { metadata: { resourceVersion: metaOf(scale).resourceVersion ?? '' } });
    return sendJson(response, code, { ...table, rows: table.rows.map((row) => withRowObject(row, r.url.searchParams)) }, warnings);
  };
  if (r.verb === 'get') return send(200, scaleOf(current, spec));
  if (r.verb !== 'update' && r.verb !== 'patch') throw methodNotSupported(r.info, r.verb);
  const context = writeContext(r.verb, r.url.searchParams, r.user);
  const warnings: string[] = [];
  let scale: Record<string, unknown>;
  if (r.verb === 'update') {
    scale = decodeWrite(SCALE, await decodeBody(request, await readBody(request)), context.fieldValidation ?? DEFAULT_FIELD_VALIDATION, warnings);
  } else {
    const contentType = request.headers['content-type'] ?? '';
    try {
      const body = decodePatch(contentType, undefined, await readBody(request));
      scale = patchObject(contentType, undefined, scaleOf(current, spec), body).object;
    } catch (error) {
      if (error instanceof PatchError) throw statusOf(error);
      throw error;
    }
  }
  const scaled = scaledObject(current, scale, spec);
  if (Array.isArray(scaled)) throw invalid('Scale', 'autoscaling', r.name!, scaled.map((e) => ({ field: e.field, type: e.type, message: `Invalid value: ${String(e.value)}: ${e.detail}` })));
  const updated = api.update(r.info, r.namespace, r.name!, scaled, context);
  return send(200, scaleOf(updated.object, spec), [...warnings, ...updated.warnings]);
}
