/** Nodes (core/v1, cluster-scoped): registered by node agents, which report their status. */
import { fieldFlag } from '../../api/field-sets.js';
import { defaultNode } from '../../../api/defaults/node-defaults.js';
import { Node } from '../../patch/patch-meta.js';
import { nodePrinter } from '../../tables/nodes.js';
import { ALL_VERBS, defineResource, STATUS_VERBS } from '../definition.js';

export const nodes = defineResource({
  group: '', version: 'v1', kind: 'Node', resource: 'nodes', singular: 'node',
  verbs: ALL_VERBS, shortNames: ['no'], categories: [],
  subresources: [{ name: 'status', kind: 'Node', verbs: STATUS_VERBS }],

  defaults: defaultNode,

  patchMeta: Node,
  printer: nodePrinter,
  selectableFields: { 'spec.unschedulable': fieldFlag('spec.unschedulable') },
});
