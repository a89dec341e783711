import type { V1LifecycleHandler, V1Probe } from '@kubernetes/client-node';
import { ALLOWED, describeContainers, forbidden, joinQuote, pluralize, sortedSet, type Check } from '../check.js';
import { forEachContainer } from '../../containers.js';

function hostsOf(handler: V1Probe | V1LifecycleHandler | null | undefined): string[] {
  if (!handler) return [];
  return [handler.httpGet?.host, handler.tcpSocket?.host].filter((h): h is string => typeof h === 'string' && h !== '');
}

/**
 * Baseline (v1.34+): probes and lifecycle hooks may not name a host, not even localhost, since
 * the kubelet would connect to it from the node's network.
 */
export const hostProbesAndHostLifecycle: Check = {
  id: 'hostProbesAndHostLifecycle',
  level: 'baseline',
  versions: [{
    minimumVersion: 34,
    checkPod: (_meta, spec) => {
      const containers: string[] = [];
      const hosts: string[] = [];
      forEachContainer(spec, (c) => {
        const found = [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop].flatMap(hostsOf);
        if (found.length === 0) return;
        containers.push(c.name);
        hosts.push(...found);
      });
      if (containers.length === 0) return ALLOWED;
      // Unlike the other checks, this one lists container names as a sorted set.
      const names = sortedSet(containers);
      const list = sortedSet(hosts);
      return forbidden('probe or lifecycle host', `${describeContainers(names)} ${pluralize('uses', 'use', names.length)} ` +
        `${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', list.length)} ${joinQuote(list)}`);
    },
  }],
};
