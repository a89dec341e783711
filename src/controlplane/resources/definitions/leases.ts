/** Leases (coordination.k8s.io/v1): node heartbeats in kube-node-lease, and leader election. */
import { defaultLease } from '../../../api/defaults/lease-defaults.js';
import { Lease } from '../../patch/patch-meta.js';
import { leasePrinter } from '../../tables/leases.js';
import { ALL_VERBS, defineResource } from '../definition.js';

export const leases = defineResource({
  group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', resource: 'leases', singular: 'lease',
  verbs: ALL_VERBS, shortNames: [], categories: [], subresources: [],

  // Lease holders race for the lease: an update that names no resourceVersion could take it from another.
  requireResourceVersion: true,
  defaults: defaultLease,

  patchMeta: Lease,
  printer: leasePrinter,
});
