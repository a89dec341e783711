/**
 * ControllerRevisions (apps/v1): immutable snapshots of a controller's template, which the
 * DaemonSet controller keeps as its history (`kubectl rollout history` and `rollout undo`).
 * Validation as ValidateControllerRevisionCreate and Update: data is a JSON object, set once.
 */
import { invalidObject } from '../../api/status-error.js';
import { semanticEqual } from '../../../api/defaults/json.js';
import { ControllerRevision } from '../../patch/patch-meta.js';
import { controllerRevisionPrinter } from '../../tables/controllerrevisions.js';
import { FieldPath, invalid, required, type FieldError } from '../../../policy/field.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const controllerRevisions = defineResource({
  group: 'apps', version: 'v1', kind: 'ControllerRevision', resource: 'controllerrevisions', singular: 'controllerrevision',
  verbs: ALL_VERBS, shortNames: [], categories: [], subresources: [],

  validate(revision, current) {
    const errors: FieldError[] = [];
    const number = revision['revision'];
    if (typeof number === 'number' && number < 0) errors.push(invalid(FieldPath.root('revision'), number, 'must be greater than or equal to 0'));
    const data = revision['data'];
    if (current === undefined) {
      if (data === undefined || data === null) errors.push(required(FieldPath.root('data'), 'data is mandatory'));
      else if (typeof data !== 'object' || Array.isArray(data)) errors.push(required(FieldPath.root('data'), 'data must be a valid JSON object'));
    } else if (!semanticEqual(data, current['data'])) {
      errors.push(invalid(FieldPath.root('data'), data, 'field is immutable'));
    }
    if (errors.length > 0) throw invalidObject(controllerRevisions, revision, errors);
    return [];
  },

  patchMeta: ControllerRevision,
  printer: controllerRevisionPrinter,
});
