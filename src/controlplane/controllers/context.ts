/** What every controller gets: the registry (writes are admitted like a user's), and a logger. */
import type { ObjectApi, RequestContext } from '../api/object-api.js';
import { findResource, type ResourceDefinition } from '../resources/index.js';
import { CONTROLLER_USER } from '../auth/user.js';
import type { ServiceNetwork } from '../services/service-network.js';

export interface ControllerLog {
  (level: 'info' | 'error', message: string, fields?: Record<string, unknown>): void;
}

export interface ControllerContext {
  api: ObjectApi;
  log: ControllerLog;
  /** The CA certificate (PEM), published to every namespace as `kube-root-ca.crt`. */
  caCertificate: string;
  /** How long the pod garbage collector waits for a missing node before collecting its pods (40 s). */
  podGcQuarantineMs?: number;
  /** The service ranges, and where the API server is reached: what the `kubernetes` Service needs. */
  serviceNetwork?: ServiceNetwork;
  apiServer?: { address: string; port: number };
}

/** A controller's writes, recorded in managedFields as kube-controller-manager's. */
export const AS_CONTROLLER: RequestContext = { user: CONTROLLER_USER, owner: { fieldManager: 'kube-controller-manager' } };

/** A served resource, by its plural name and group. */
export function resource(name: string, group = ''): ResourceDefinition {
  const info = findResource(group, 'v1', name);
  if (!info) throw new Error(`hostpod serves no resource ${name} in group "${group}"`);
  return info;
}

export interface Controller {
  start(): void;
  stop(): void;
}
