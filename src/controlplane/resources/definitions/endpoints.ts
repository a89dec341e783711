/** Endpoints (core/v1): the addresses behind a Service, kept by the endpoints controller for Services with a selector. */
import { defaultEndpoints } from '../../../api/defaults/endpoints-defaults.js';
import { invalidObject } from '../../api/status-error.js';
import { Endpoints } from '../../patch/patch-meta.js';
import { validateEndpoints } from '../../services/endpoints-validation.js';
import { endpointsPrinter } from '../../tables/endpoints.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const endpoints = defineResource({
  group: '', version: 'v1', kind: 'Endpoints', resource: 'endpoints', singular: 'endpoints',
  verbs: ALL_VERBS, shortNames: ['ep'], categories: [], subresources: [],

  defaults: defaultEndpoints,
  validate(object) {
    const errors = validateEndpoints(object);
    if (errors.length > 0) throw invalidObject(endpoints, object, errors);
    return [];
  },

  deprecationWarning: 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice',
  patchMeta: Endpoints,
  printer: endpointsPrinter,
});
