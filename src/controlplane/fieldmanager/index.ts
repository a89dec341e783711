/**
 * Field ownership and server-side apply: managedFields on every write, and apply patches merged
 * by each kind's schema with conflicts between managers (docs/server-side-apply.md).
 */
export { APPLY_PATCH_YAML, checkPatchOptions, managerOf, readApplyConfig, type FieldOwner } from './apply-request.js';
export { customResourceFieldTypes, fieldTypesOf, type TypedResource } from './builtin-types.js';
export { conflictError } from './conflict-error.js';
export { ApplyConflicts, applyConfig, recordUpdate, type Applied, type FieldWrite } from './field-manager.js';
export { FieldSet, type FieldsV1 } from './field-set.js';
export { fieldTypeFromOpenApi, type FieldType, type FieldTypes, type OpenApiSchema, type TypeRef } from './field-types.js';
