/**
 * Bindings (core/v1): the older form of `pods/binding`. Create only, and answered rather than
 * stored: the pod named by the Binding is bound to its target node.
 */
import { metaOf } from '../../api/object-meta.js';
import { defineResource } from '../definition.js';
import { bindPod } from '../pod-binding.js';

export const bindings = defineResource({
  group: '', version: 'v1', kind: 'Binding', resource: 'bindings', singular: 'binding',
  verbs: ['create'], shortNames: [], categories: [], subresources: [],

  answerCreate({ api, namespace, body, context }) {
    bindPod(api, namespace, metaOf(body).name ?? '', body, context);
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  },
});
