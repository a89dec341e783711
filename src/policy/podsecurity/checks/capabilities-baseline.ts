import { ALLOWED, describeContainers, forbidden, isSet, joinQuote, sortedSet, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

/** The capabilities a container runtime grants by default; adding others is forbidden. */
const DEFAULT_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

/** Baseline: containers may add only default capabilities. */
export const capabilitiesBaseline: Check = {
  id: 'capabilities_baseline',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_meta, spec) => {
      const containers: string[] = [];
      const added: string[] = [];
      forEachContainer(spec, (c) => {
        const capabilities = c.securityContext?.capabilities;
        if (!isSet(capabilities)) return;
        const bad = (capabilities.add ?? []).filter((cap) => !DEFAULT_CAPABILITIES.has(cap));
        if (bad.length > 0) {
          containers.push(c.name);
          added.push(...bad);
        }
      });
      if (containers.length === 0) return ALLOWED;
      return forbidden('non-default capabilities',
        `${describeContainers(containers)} must not include ${joinQuote(sortedSet(added))} in securityContext.capabilities.add`);
    },
  }],
};
