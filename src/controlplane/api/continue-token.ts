/** The `continue` token of a paged list: where the next page starts, and the revision it was read at. */
import { badRequest } from './status-error.js';

export interface ListPosition {
  namespace: string;
  name: string;
}

export function encodeContinue(after: ListPosition, revision: number): string {
  return Buffer.from(JSON.stringify({ v: 'hostpod/1', rv: revision, ns: after.namespace, name: after.name })).toString('base64url');
}

/** @throws StatusError 400 for a token this server did not write */
export function decodeContinue(token: string): ListPosition {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; ns?: string; name?: string };
    if (parsed.v === 'hostpod/1' && typeof parsed.ns === 'string' && typeof parsed.name === 'string') return { namespace: parsed.ns, name: parsed.name };
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}
