/**
 * The resource verbs over HTTP: query parameters in, `ObjectApi` calls, representations out
 * (JSON, Table, PartialObjectMetadata, watch streams).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeleteOptions } from '../api/deletion.js';
import { decodeWrite, DEFAULT_FIELD_VALIDATION } from '../api/field-validation.js';
import type { ListQuery } from '../api/object-api.js';
import type { FieldOwner } from '../fieldmanager/index.js';
import { isObject, metaOf, type Obj } from '../api/object-meta.js';
import { groupVersion, type ResourceDefinition } from '../resources/index.js';
import { badRequest, keepingWarnings, methodNotSupported, StatusError } from '../api/status-error.js';
import type { UserInfo } from '../auth/user.js';
import type { ApiHandler, ResourceVerb } from './api-handler.js';
import { sendList } from './list-response.js';
import { negotiate } from './negotiation.js';
import { eventEncoder, listFormat, listUsesObjects, represent } from './representations.js';
import { boolParam, decodeBody, intParam, parseJson, readBody } from './request.js';
import { decodeProtobuf, PROTOBUF } from './protobuf.js';
import { sendJson } from './respond.js';
import { takeSeat } from './seats.js';
import { warningHeaders } from './warnings.js';
import { serveSubresource } from './subresources.js';
import { serveWatch } from './watch.js';
import { invalidOptions, writeContext } from './write-options.js';

export interface ResourceRequest {
  info: ResourceDefinition;
  namespace: string;
  name?: string;
  subresource?: string;
  verb: ResourceVerb;
  url: URL;
  user: UserInfo;
}

const STATUS_LIKE = new Set(['status', 'finalize', 'ephemeralcontainers']);

export async function serveResource(handler: ApiHandler, request: IncomingMessage, response: ServerResponse, r: ResourceRequest): Promise<void> {
  const { api } = handler.options;
  const { info, namespace, name, subresource, url } = r;
  const query = url.searchParams;
  // Every request to a deprecated resource is told so, as kube-apiserver's deprecation warnings.
  if (info.deprecationWarning) response.setHeader('Warning', warningHeaders([info.deprecationWarning]));
  if (info.answerCreate && r.verb === 'create') {
    const context = writeContext(r.verb, query, r.user);
    // A question answered, not an object stored (a Binding, a SubjectAccessReview), its body
    // decoded as any write's.
    const raw = await decodeBody(request, await readBody(request));
    const warnings: string[] = [];
    const answered = keepingWarnings(warnings, () => {
      const body = decodeWrite(info, raw, context.fieldValidation ?? DEFAULT_FIELD_VALIDATION, warnings);
      const authenticateToken = (token: string): UserInfo | undefined => handler.options.authenticator.authenticateToken(token);
      return info.answerCreate!({ api, namespace, body, context, authenticateToken });
    });
    return sendJson(response, 201, answered, warnings);
  }
  if (subresource !== undefined && !STATUS_LIKE.has(subresource)) {
    await serveSubresource(handler, request, response, r);
    return;
  }
  if (subresource !== undefined && !info.subresources.some((s) => s.name === subresource)) {
    throw new StatusError(404, 'NotFound', `the server could not find the requested resource`);
  }
  if (!info.verbs.includes(r.verb) && subresource === undefined) throw methodNotSupported(info, r.verb);
  // pods/ephemeralcontainers takes get, update and patch only: a create there must not make a pod.
  if (subresource === 'ephemeralcontainers' && !['get', 'update', 'patch'].includes(r.verb)) throw methodNotSupported(info, r.verb);
  const context = { ...writeContext(r.verb, query, r.user), owner: fieldOwner(query, request) };
  const representation = negotiate(request.headers.accept);
  if (representation.type === 'not-acceptable') {
    throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io`);
  }
  const now = api.now();
  const encodeOne = (object: Obj): unknown => represent(info, object, representation, query, now);

  switch (r.verb) {
    case 'get': {
      // What was read (the object, or its absence: a deletion) may be a write still waiting for
      // its commit or flush: answered once it is stored, read again if its commit failed. Other
      // keys' writes under way do not hold the answer back (kubectl apply's GET of each object
      // waited for every flush under way: a third of its time with 110 pods starting).
      const read = (): { object: Obj } | { error: unknown } => {
        try {
          return { object: api.getShared(info, namespace, name!) };
        } catch (error) {
          return { error };
        }
      };
      let got = read();
      if (api.pendingWrite(info, namespace, name!) && !(await api.store.durable().then(() => true, () => false))) got = read();
      if ('error' in got) throw got.error;
      return sendJson(response, 200, encodeOne(got.object));
    }
    case 'list': {
      const release = await takeSeat(handler, response, r);
      if (!release) return;
      try {
        const stream = await api.openList(info, namespace, listQueryOf(query), listUsesObjects(info, representation));
        const metadata = { resourceVersion: String(stream.revision), ...(stream.continueToken ? { continue: stream.continueToken } : {}) };
        await sendList(response, stream, listFormat(info, representation, query, now, metadata));
      } finally {
        release();
      }
      return;
    }
    case 'watch': {
      const filter = api.filter(info, namespace, {
        ...listQueryOf(query),
        ...(name === undefined ? {} : { fieldSelector: [query.get('fieldSelector'), `metadata.name=${name}`].filter(Boolean).join(',') }),
      });
      // A watch takes a seat while it sends its initial events, as kube-apiserver counts a watch until it is initialized.
      const release = await takeSeat(handler, response, r);
      if (!release) return;
      await serveWatch(api, request, response, {
        info, filter,
        ...(query.get('resourceVersion') === null ? {} : { resourceVersion: query.get('resourceVersion')! }),
        allowBookmarks: boolParam(query, 'allowWatchBookmarks'),
        // As kube-apiserver: no timeout, or 0, is a random one between 30 and 60 minutes.
        timeoutSeconds: intParam(query, 'timeoutSeconds') || 1800 + Math.floor(Math.random() * 1800),
        bookmarkIntervalMs: handler.options.bookmarkIntervalMs ?? 60_000,
        encoder: eventEncoder(info, representation, query),
        onInitialized: release,
      }).catch((error: unknown) => {
        release();
        throw error;
      });
      return;
    }
    case 'create': {
      const body = await decodeBody(request, await readBody(request));
      const created = api.store.group(() => api.create(info, namespace, body, context));
      await api.store.durable();
      return sendJson(response, 201, encodeOne(created.object), created.warnings);
    }
    case 'update': {
      const body = await decodeBody(request, await readBody(request));
      const updated = api.store.group(() => api.update(info, namespace, name!, body, context, subresource));
      await api.store.durable();
      return sendJson(response, 200, encodeOne(updated.object), updated.warnings);
    }
    case 'patch': {
      // The patch module checks the media type against the kind and decodes the body, with kube-apiserver's errors.
      const patch = await readBody(request);
      const patched = api.store.group(() => api.patch(info, namespace, name!, request.headers['content-type'] ?? '', patch, context, subresource));
      await api.store.durable();
      return sendJson(response, patched.created ? 201 : 200, encodeOne(patched.object), patched.warnings);
    }
    case 'delete': {
      const [options, bodyDryRun] = await deleteOptions(request, query);
      const deleted = api.store.group(() => api.delete(info, namespace, name!, options, { ...context, dryRun: context.dryRun || bodyDryRun }));
      await api.store.durable();
      return sendJson(response, 200, encodeOne(deleted.object), deleted.warnings);
    }
    case 'deletecollection': {
      const [options, bodyDryRun] = await deleteOptions(request, query);
      const dryRun = context.dryRun || bodyDryRun;
      const items: Obj[] = [];
      api.store.group(() => {
        for (const item of api.list(info, namespace, listQueryOf(query)).items) {
          try {
            items.push(api.delete(info, metaOf(item).namespace ?? '', metaOf(item).name ?? '', options, { ...context, dryRun }).object);
          } catch (error) {
            if (!(error instanceof StatusError && error.code === 404)) throw error;
          }
        }
      });
      await api.store.durable();
      return sendJson(response, 200, { kind: `${info.kind}List`, apiVersion: groupVersion(info), metadata: { resourceVersion: String(api.store.revision) }, items });
    }
  }
}

/** The write's owner for managedFields: its fieldManager and force options and its User-Agent. */
function fieldOwner(query: URLSearchParams, request: IncomingMessage): FieldOwner {
  const force = query.get('force');
  return {
    ...(query.get('fieldManager') ? { fieldManager: query.get('fieldManager')! } : {}),
    userAgent: request.headers['user-agent'] ?? '',
    // strconv.ParseBool's spellings of true; anything else is false.
    ...(force === null ? {} : { force: ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(force) }),
  };
}

function listQueryOf(query: URLSearchParams): ListQuery {
  const limit = intParam(query, 'limit');
  return {
    ...(query.get('labelSelector') ? { labelSelector: query.get('labelSelector')! } : {}),
    ...(query.get('fieldSelector') ? { fieldSelector: query.get('fieldSelector')! } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(query.get('continue') ? { continue: query.get('continue')! } : {}),
  };
}

/**
 * A DELETE's options, from its body and its query (which overrides the body, as kube-apiserver
 * decodes the parameters over it), and whether it is a dry run: kubectl sends `dryRun: ["All"]` in
 * the DeleteOptions, not in the query.
 */
async function deleteOptions(request: IncomingMessage, query: URLSearchParams): Promise<[DeleteOptions, boolean]> {
  const body = await readBody(request);
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // client-go's typed clients (Helm's release storage among them) may send it as Protobuf.
  const fromBody = body.length === 0 ? {}
    : type === PROTOBUF ? await decodeProtobuf(body, 'DeleteOptions')
      : body.toString('utf8').trim() !== '' ? parseJson(body, 'the DeleteOptions') : {};
  if (!isObject(fromBody)) throw badRequest('DeleteOptions must be a JSON object');
  const options: DeleteOptions = {};
  const grace = intParam(query, 'gracePeriodSeconds') ?? (typeof fromBody['gracePeriodSeconds'] === 'number' ? fromBody['gracePeriodSeconds'] : undefined);
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  const policy = query.get('propagationPolicy') ?? (typeof fromBody['propagationPolicy'] === 'string' ? fromBody['propagationPolicy'] : undefined);
  if (policy !== undefined && policy !== null) {
    if (!['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
    }
    options.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  }
  const orphan = query.get('orphanDependents') ?? fromBody['orphanDependents'];
  if (orphan === 'true' || orphan === true) options.orphanDependents = true;
  if (orphan === 'false' || orphan === false) options.orphanDependents = false;
  if (isObject(fromBody['preconditions'])) options.preconditions = fromBody['preconditions'];
  // The query's dryRun was checked with the other write options; the body's is checked here.
  if (query.has('dryRun') || !Array.isArray(fromBody['dryRun'])) return [options, false];
  const values: unknown[] = fromBody['dryRun'];
  if (values.some((v) => v !== 'All')) {
    throw invalidOptions('DeleteOptions', [{ field: 'dryRun', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(values)}: supported values: "All"` }]);
  }
  return [options, values.length > 0];
}
