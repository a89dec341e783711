/**
 * ReplicaSets (apps/v1): a number of pods from one template. The strategy keeps an empty status
 * on create and validates as ValidateReplicaSet and ValidateReplicaSetUpdate; the pod template
 * through the policy engine.
 */
import { defaultReplicaSet } from '../../../api/defaults/deployment-defaults.js';
import { ReplicaSet } from '../../patch/patch-meta.js';
import { replicaSetPrinter } from '../../tables/replicasets.js';
import { ALL_VERBS, defineResource, STATUS_VERBS } from '../definition.js';
import { replicaSetSpecErrors, validateReplicated } from '../replicated-validation.js';
import { SCALE_SUBRESOURCE } from '../scale.js';

export const replicaSets = defineResource({
  group: 'apps', version: 'v1', kind: 'ReplicaSet', resource: 'replicasets', singular: 'replicaset',
  verbs: ALL_VERBS, shortNames: ['rs'], categories: ['all'],
  validatesMetadata: true,
  subresources: [{ name: 'scale', ...SCALE_SUBRESOURCE }, { name: 'status', kind: 'ReplicaSet', verbs: STATUS_VERBS }],

  generation: true,
  defaults: defaultReplicaSet,
  prepareForCreate(replicaSet) {
    replicaSet['status'] = { replicas: 0 };
  },
  validate(replicaSet, current, context) {
    return validateReplicated(replicaSets, replicaSet, current, context, replicaSetSpecErrors(replicaSet));
  },

  patchMeta: ReplicaSet,
  printer: replicaSetPrinter,
});
