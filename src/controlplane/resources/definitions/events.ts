/** Events (core/v1): what controllers and node agents report about objects. */
import { fieldText } from '../../api/field-sets.js';
import { defaultEvent } from '../../../api/defaults/event-defaults.js';
import { CoreEvent } from '../../patch/patch-meta.js';
import { eventPrinter } from '../../tables/events.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const events = defineResource({
  group: '', version: 'v1', kind: 'Event', resource: 'events', singular: 'event',
  verbs: ALL_VERBS, shortNames: ['ev'], categories: [], subresources: [],

  defaults: defaultEvent,

  patchMeta: CoreEvent,
  printer: eventPrinter,
  selectableFields: {
    'involvedObject.kind': fieldText('involvedObject.kind'),
    'involvedObject.namespace': fieldText('involvedObject.namespace'),
    'involvedObject.name': fieldText('involvedObject.name'),
    'involvedObject.uid': fieldText('involvedObject.uid'),
    'involvedObject.apiVersion': fieldText('involvedObject.apiVersion'),
    'involvedObject.resourceVersion': fieldText('involvedObject.resourceVersion'),
    'involvedObject.fieldPath': fieldText('involvedObject.fieldPath'),
    reason: fieldText('reason'),
    reportingComponent: fieldText('reportingComponent'),
    source: fieldText('source.component'),
    type: fieldText('type'),
  },
});
