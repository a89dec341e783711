import { ALLOWED, describeContainers, forbidden, pluralize, sortedSet, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

/** Baseline: no hostPort on any container port. */
export const hostPorts: Check = {
  id: 'hostPorts',
  level: 'baseline',
  versions: [{
    minimumVersion: 0,
    checkPod: (_meta, spec) => {
      const containers: string[] = [];
      const ports: string[] = [];
      forEachContainer(spec, (c) => {
        const used = (c.ports ?? []).filter((p) => p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0);
        if (used.length === 0) return;
        containers.push(c.name);
        ports.push(...used.map((p) => String(p.hostPort)));
      });
      if (containers.length === 0) return ALLOWED;
      // Upstream sorts the ports as strings: "100" comes before "20".
      const list = sortedSet(ports);
      return forbidden('hostPort', `${describeContainers(containers)} ${pluralize('uses', 'use', containers.length)} ` +
        `${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`);
    },
  }],
};
