/** The mutating admission of a new pod: service account (and its token volume), priority, default tolerations. */
import type { UserInfo } from '../auth/user.js';
import { admitPodCreate } from '../defaults/index.js';
import { metaOf, type Obj, type ObjectLookup } from './object-meta.js';
import { StatusError } from './status-error.js';

/** @throws StatusError 403 when the pod's service account does not exist */
export function mutatePodOnCreate(pod: Obj, lookup: ObjectLookup, _user: UserInfo): Obj {
  const spec = (pod['spec'] ?? {}) as { serviceAccountName?: string; serviceAccount?: string };
  const account = spec.serviceAccountName || spec.serviceAccount || 'default';
  const result = admitPodCreate(pod, { serviceAccount: lookup('serviceaccounts', metaOf(pod).namespace ?? '', account) });
  if (!result.allowed) throw new StatusError(403, 'Forbidden', result.message, { name: metaOf(pod).name ?? '', kind: 'pods' });
  return result.object;
}
