/** Secrets (core/v1): base64 data under valid keys; `stringData` is merged into `data` by defaulting. */
import { fieldText } from '../../api/field-sets.js';
import { defaultSecret } from '../../../api/defaults/secret-defaults.js';
import { Secret } from '../../patch/patch-meta.js';
import { secretPrinter } from '../../tables/secrets.js';
import { validateSecret } from '../data-validation.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const secrets = defineResource({
  group: '', version: 'v1', kind: 'Secret', resource: 'secrets', singular: 'secret',
  verbs: ALL_VERBS, shortNames: [], categories: [], subresources: [],
  validatesMetadata: true,

  defaults: defaultSecret,
  validate(secret, current) {
    validateSecret(secrets, secret, current);
    return [];
  },

  patchMeta: Secret,
  printer: secretPrinter,
  selectableFields: { type: fieldText('type') },
});
