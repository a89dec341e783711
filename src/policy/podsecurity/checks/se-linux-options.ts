import type { V1SELinuxOptions } from '@kubernetes/client-node';
import type { CheckPod } from '../check.js';
import { ALLOWED, describeContainers, forbidden, isSet, joinQuote, pluralize, sortedSet, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

function seLinuxCheck(allowedTypes: ReadonlySet<string>): CheckPod {
  return (_meta, spec) => {
    const badTypes: string[] = [];
    let setsUser = false;
    let setsRole = false;
    const valid = (options: V1SELinuxOptions): boolean => {
      let ok = true;
      if (!allowedTypes.has(options.type ?? '')) {
        ok = false;
        badTypes.push(options.type ?? '');
      }
      if (options.user) { ok = false; setsUser = true; }
      if (options.role) { ok = false; setsRole = true; }
      return ok;
    };
    const setters: string[] = [];
    const podOptions = spec.securityContext?.seLinuxOptions;
    if (isSet(podOptions) && !valid(podOptions)) setters.push('pod');
    const containers: string[] = [];
    forEachContainer(spec, (c) => {
      const options = c.securityContext?.seLinuxOptions;
      if (isSet(options) && !valid(options)) containers.push(c.name);
    });
    if (containers.length > 0) setters.push(describeContainers(containers));
    if (setters.length === 0) return ALLOWED;
    const problems: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length > 0) problems.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
    if (setsUser) problems.push('user may not be set');
    if (setsRole) problems.push('role may not be set');
    return forbidden('seLinuxOptions', `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${problems.join('; ')}`);
  };
}

const TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];

/** Baseline: only the container SELinux types, and no custom user or role. */
export const seLinuxOptions: Check = {
  id: 'seLinuxOptions',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, checkPod: seLinuxCheck(new Set(TYPES_1_0)) },
    { minimumVersion: 31, checkPod: seLinuxCheck(new Set([...TYPES_1_0, 'container_engine_t'])) },
  ],
};
