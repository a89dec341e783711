import { ALLOWED, forbidden, isSet, joinQuote, pluralize, type Check } from '../check.js';

/** Baseline: no hostPath volumes. */
export const hostPathVolumes: Check = {
  id: 'hostPathVolumes',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_meta, spec) => {
      const volumes = (spec.volumes ?? []).filter((v) => isSet(v.hostPath)).map((v) => v.name);
      if (volumes.length === 0) return ALLOWED;
      return forbidden('hostPath volumes', `${pluralize('volume', 'volumes', volumes.length)} ${joinQuote(volumes)}`);
    },
  }],
};
