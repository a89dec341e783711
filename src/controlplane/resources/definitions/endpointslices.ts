/** EndpointSlices (discovery.k8s.io/v1): a Service's endpoints in slices, kept by the endpointslice controller. */
import { defaultEndpointSlice } from '../../../api/defaults/endpoints-defaults.js';
import { invalidObject } from '../../api/status-error.js';
import { semanticEqual } from '../../../api/defaults/json.js';
import { EndpointSlice } from '../../patch/patch-meta.js';
import { validateEndpointSlice } from '../../services/endpoints-validation.js';
import { endpointSlicePrinter } from '../../tables/endpointslices.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const endpointSlices = defineResource({
  group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', resource: 'endpointslices', singular: 'endpointslice',
  verbs: ALL_VERBS, shortNames: [], categories: [], subresources: [],

  defaults: defaultEndpointSlice,
  prepareForCreate(slice) {
    (slice['metadata'] as Record<string, unknown>)['generation'] = 1;
  },
  prepareForUpdate(stored, updated) {
    // Its generation goes up when anything but its metadata changes, or its labels (it has no spec).
    const { metadata: storedMeta, ...storedRest } = stored;
    const { metadata: updatedMeta, ...updatedRest } = updated;
    const labels = (meta: unknown): unknown => (meta as { labels?: unknown } | undefined)?.labels ?? {};
    if (!semanticEqual(storedRest, updatedRest) || !semanticEqual(labels(storedMeta), labels(updatedMeta))) {
      const generation = (storedMeta as { generation?: number } | undefined)?.generation ?? 0;
      (updated['metadata'] as Record<string, unknown>)['generation'] = generation + 1;
    }
  },
  validate(slice, current) {
    const errors = validateEndpointSlice(slice, current);
    if (errors.length > 0) throw invalidObject(endpointSlices, slice, errors);
    return [];
  },

  patchMeta: EndpointSlice,
  printer: endpointSlicePrinter,
});
