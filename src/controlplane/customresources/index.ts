// Custom resources: what a CustomResourceDefinition makes served, and how its objects are checked.
export {
  customResourceDefinitions, customResourceSchema, customResourceVersion,
  type CustomResourceVersion, type ScaleSpec,
} from './custom-resource.js';
export { validateCustomResourceDefinition } from './crd-validation.js';
export { applySchemaDefaults } from './defaulting.js';
export { pruneUnknownFields } from './pruning.js';
export { scaledObject, scaleOf } from './scale.js';
export { validateAgainstSchema } from './schema-validation.js';
export type { StructuralSchema } from './structural-schema.js';
