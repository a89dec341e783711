/** ConfigMaps (core/v1): configuration data under valid keys. */
import { ConfigMap } from '../../patch/patch-meta.js';
import { configMapPrinter } from '../../tables/configmaps.js';
import { validateConfigMap } from '../data-validation.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const configMaps = defineResource({
  group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', singular: 'configmap',
  verbs: ALL_VERBS, shortNames: ['cm'], categories: [], subresources: [],
  validatesMetadata: true,

  validate(configMap, current) {
    validateConfigMap(configMaps, configMap, current);
    return [];
  },

  patchMeta: ConfigMap,
  printer: configMapPrinter,
});
