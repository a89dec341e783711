/**
 * Subresources that are not the object itself: `pods/binding`, `serviceaccounts/token`
 * (TokenRequest), and `pods/log`, `pods/exec`, `pods/attach` and `pods/portforward`, proxied to the node's kubelet endpoint.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admitNodeTokenRequest, type BoundObjectRef } from '../admission/node-restriction.js';
import { isObject, metaOf, timestamp, type Obj } from '../api/object-meta.js';
import { bindPod, findResource } from '../resources/index.js';
import { decodeWrite, DEFAULT_FIELD_VALIDATION } from '../api/field-validation.js';
import type { RequestContext } from '../api/object-api.js';
import { badRequest, conflict, invalid, keepingWarnings, StatusError } from '../api/status-error.js';
import { issueServiceAccountToken } from '../auth/tokens.js';
import type { ApiHandler } from './api-handler.js';
import { decodeBody, readBody } from './request.js';
import type { ResourceRequest } from './resource-handlers.js';
import { kubeletTarget, logTarget, proxyLogs } from './kubelet-proxy.js';
import { portForwardTarget } from './port-forward-proxy.js';
import { sendJson } from './respond.js';
import { writeContext } from './write-options.js';
import { serveCustomScale } from './custom-scale.js';
import { customResourceVersion } from '../customresources/index.js';
import { serveScale } from './scale.js';

const DEFAULT_TOKEN_SECONDS = 3600;
const MIN_TOKEN_SECONDS = 600;
const MAX_TOKEN_SECONDS = 2 ** 32;

export async function serveSubresource(handler: ApiHandler, request: IncomingMessage, response: ServerResponse, r: ResourceRequest): Promise<void> {
  const key = `${r.info.resource}/${r.subresource ?? ''}`;
  // A custom resource's scale reads its CRD's paths; a built-in one's is spec.replicas.
  if (r.subresource === 'scale' && customResourceVersion(r.info)?.scale) return serveCustomScale(handler, request, response, r);
  if (r.subresource === 'scale' && r.info.subresources.some((s) => s.name === 'scale')) return serveScale(handler, request, response, r);
  if (key === 'pods/binding' && r.verb === 'create') {
    const { body, context, warnings } = await decodeCreate(request, r);
    keepingWarnings(warnings, () => bindPod(handler.options.api, r.namespace, r.name!, body, context));
    return sendJson(response, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, warnings);
  }
  if (key === 'serviceaccounts/token' && r.verb === 'create') {
    const { body, warnings } = await decodeCreate(request, r);
    return sendJson(response, 201, keepingWarnings(warnings, () => requestToken(handler, r, body)), warnings);
  }
  if (key === 'pods/log' && r.verb === 'get') {
    const target = logTarget(handler.options.api, r.namespace, r.name!, r.url.searchParams.get('container'));
    if (!target) {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end();
      return;
    }
    return proxyLogs(target, r.url.searchParams, handler.kubeletCredentials(), response);
  }
  if (key === 'pods/portforward') {
    // Reached only without an upgrade, as for exec.
    portForwardTarget(handler.options.api, r.namespace, r.name!);
    throw badRequest('Upgrade request required');
  }
  if (key === 'pods/exec' || key === 'pods/attach') {
    // Reached only without an upgrade: upgrades are served by ApiHandler.upgrade.
    kubeletTarget(handler.options.api, r.namespace, r.name!, r.url.searchParams.get('container'));
    throw badRequest('Upgrade request required');
  }
  throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

/**
 * The body of a subresource's create (a Binding, a TokenRequest), decoded into the subresource's
 * kind as every write's body is, with the request's options and the warnings decoding recorded.
 */
async function decodeCreate(request: IncomingMessage, r: ResourceRequest): Promise<{ body: Obj; context: RequestContext; warnings: string[] }> {
  const context = writeContext(r.verb, r.url.searchParams, r.user);
  const raw = await decodeBody(request, await readBody(request));
  const subresource = r.info.subresources.find((s) => s.name === r.subresource)!;
  const kind = { group: subresource.group ?? r.info.group, version: subresource.version ?? r.info.version, kind: subresource.kind };
  const warnings: string[] = [];
  const body = keepingWarnings(warnings, () => decodeWrite(kind, raw, context.fieldValidation ?? DEFAULT_FIELD_VALIDATION, warnings));
  return { body, context, warnings };
}

type Ref = { name: string; uid: string };

/**
 * What a token is bound to, as kube-apiserver's TokenREST binds it: a pod of the same service
 * account (and the node it runs on), a Secret, or a Node.
 * @throws StatusError 404 for an object that is not there, 409 for one of another uid, 400 for another kind
 */
function bindTo(handler: ApiHandler, r: ResourceRequest, ref: BoundObjectRef): { pod?: Ref; node?: Ref; secret?: Ref } {
  const { api } = handler.options;
  const [group, version] = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion ?? '').split('/') : ['', ref.apiVersion ?? ''];
  const kind = ref.kind ?? '';
  const resource = group === '' ? { Pod: 'pods', Secret: 'secrets', Node: 'nodes' }[kind] : undefined;
  if (resource === undefined) throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${kind}`);
  const info = findResource('', 'v1', resource)!;
  const object = api.getShared(info, resource === 'nodes' ? '' : r.namespace, ref.name ?? '');
  const found: Ref = { name: metaOf(object).name ?? '', uid: metaOf(object).uid ?? '' };
  if (resource === 'pods') {
    const podSpec = (object['spec'] ?? {}) as { serviceAccountName?: string; nodeName?: string };
    if (podSpec.serviceAccountName !== r.name) {
      throw badRequest(`cannot bind token for serviceaccount "${r.name!}" to pod running with different serviceaccount name.`);
    }
  }
  if (ref.uid && found.uid !== ref.uid) {
    throw conflict({ group: '', resource: kind }, found.name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (resource === 'secrets') return { secret: found };
  if (resource === 'nodes') return { node: found };
  // As kube-apiserver: a token bound to a scheduled pod names its node too.
  const nodeName = ((object['spec'] ?? {}) as { nodeName?: string }).nodeName;
  const nodeObject = nodeName ? api.findShared(findResource('', 'v1', 'nodes')!, '', nodeName) : undefined;
  return { pod: found, ...(nodeObject ? { node: { name: metaOf(nodeObject).name ?? '', uid: metaOf(nodeObject).uid ?? '' } } : {}) };
}

/** `POST serviceaccounts/NAME/token`: a TokenRequest, answered with a signed token. */
function requestToken(handler: ApiHandler, r: ResourceRequest, body: Obj): Obj {
  const { api } = handler.options;
  const spec = (isObject(body['spec']) ? body['spec'] : {}) as { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: BoundObjectRef };
  const pods = findResource('', 'v1', 'pods')!;
  admitNodeTokenRequest(r.user, r.info, r.name!, spec.boundObjectRef, (name) => api.findShared(pods, r.namespace, name));
  const account = api.getShared(r.info, r.namespace, r.name!);
  const seconds = spec.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
  if (seconds < MIN_TOKEN_SECONDS) {
    throw invalid('TokenRequest', 'authentication.k8s.io', '', [{ field: 'spec.expirationSeconds', type: 'FieldValueInvalid', message: `Invalid value: ${seconds}: may not specify a duration less than 10 minutes` }]);
  }
  if (seconds > MAX_TOKEN_SECONDS) {
    throw invalid('TokenRequest', 'authentication.k8s.io', '', [{ field: 'spec.expirationSeconds', type: 'FieldValueInvalid', message: `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds` }]);
  }
  const bound = spec.boundObjectRef ? bindTo(handler, r, spec.boundObjectRef) : {};
  const now = api.now();
  const issued = issueServiceAccountToken(handler.options.tokens, {
    namespace: r.namespace,
    serviceAccount: { name: metaOf(account).name ?? '', uid: metaOf(account).uid ?? '' },
    ...(spec.audiences ? { audiences: spec.audiences } : {}),
    expirationSeconds: seconds,
    ...bound,
    now,
  });
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: r.name, namespace: r.namespace, creationTimestamp: null },
    spec: { ...spec, expirationSeconds: seconds },
    status: { token: issued.token, expirationTimestamp: timestamp(issued.expiresAt) },
  };
}
