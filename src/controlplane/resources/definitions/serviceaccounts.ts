/**
 * ServiceAccounts (core/v1): the identity of pods. Their tokens come from the `token`
 * subresource (TokenRequest, served in server/subresources.ts).
 */
import { isJsonObject, type JsonObject } from '../../../api/defaults/json.js';
import { ServiceAccount } from '../../patch/patch-meta.js';
import { serviceAccountPrinter } from '../../tables/serviceaccounts.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const serviceAccounts = defineResource({
  group: '', version: 'v1', kind: 'ServiceAccount', resource: 'serviceaccounts', singular: 'serviceaccount',
  verbs: ALL_VERBS, shortNames: ['sa'], categories: [],
  subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],

  prepareForCreate: keepSecretReferenceNames,
  prepareForUpdate: (_stored, updated) => keepSecretReferenceNames(updated),

  patchMeta: ServiceAccount,
  printer: serviceAccountPrinter,
});

/** The strategy keeps only the name of each `secrets` reference, on create and update. */
function keepSecretReferenceNames(serviceAccount: JsonObject): void {
  const secrets = serviceAccount['secrets'];
  if (!Array.isArray(secrets)) return;
  serviceAccount['secrets'] = secrets.map((secret) => (isJsonObject(secret) && secret['name'] !== undefined ? { name: secret['name'] } : {}));
}
