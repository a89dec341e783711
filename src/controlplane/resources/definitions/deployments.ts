/**
 * Deployments (apps/v1): declarative updates of ReplicaSets. The strategy keeps an empty status
 * on create, bumps the generation when the spec or the annotations change (annotations are
 * copied to the ReplicaSets, so a change of them is a change to roll out), and validates as
 * ValidateDeployment and ValidateDeploymentUpdate; the pod template through the policy engine.
 */
import { defaultDeployment } from '../../../api/defaults/deployment-defaults.js';
import { ensureObject, objectAt, semanticEqual, type JsonObject } from '../../../api/defaults/json.js';
import { Deployment } from '../../patch/patch-meta.js';
import { deploymentPrinter } from '../../tables/deployments.js';
import { ALL_VERBS, defineResource, STATUS_VERBS } from '../definition.js';
import { deploymentSpecErrors, validateReplicated } from '../replicated-validation.js';
import { SCALE_SUBRESOURCE } from '../scale.js';

export const deployments = defineResource({
  group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', singular: 'deployment',
  verbs: ALL_VERBS, shortNames: ['deploy'], categories: ['all'],
  validatesMetadata: true,
  subresources: [{ name: 'scale', ...SCALE_SUBRESOURCE }, { name: 'status', kind: 'Deployment', verbs: STATUS_VERBS }],

  defaults: defaultDeployment,
  prepareForCreate(deployment) {
    deployment['status'] = {};
    ensureObject(deployment, 'metadata')['generation'] = 1;
  },
  prepareForUpdate(stored, updated, subresource) {
    const storedGeneration = objectAt(stored, 'metadata')?.['generation'];
    const generation = typeof storedGeneration === 'number' ? storedGeneration : 0;
    const changed = subresource === '' && (!semanticEqual(stored['spec'], updated['spec']) || !semanticEqual(annotationsOf(stored), annotationsOf(updated)));
    ensureObject(updated, 'metadata')['generation'] = changed ? generation + 1 : generation;
  },
  validate(deployment, current, context) {
    return validateReplicated(deployments, deployment, current, context, deploymentSpecErrors(deployment));
  },

  patchMeta: Deployment,
  printer: deploymentPrinter,
});

function annotationsOf(object: JsonObject): unknown {
  return objectAt(object, 'metadata')?.['annotations'];
}
