/**
 * The built-in kinds the control plane serves, keyed `<apiVersion>/<kind>` ('v1/Pod',
 * 'apps/v1/DaemonSet', 'coordination.k8s.io/v1/Lease'), with what their registry strategies do.
 */
import { defaultDaemonSet } from './daemonset-defaults.js';
import { defaultEvent } from './event-defaults.js';
import { isJsonObject, stringAt, type JsonObject } from './json.js';
import { defaultLease } from './lease-defaults.js';
import { defaultNamespace } from './namespace-defaults.js';
import { defaultNode } from './node-defaults.js';
import { defaultPod } from './pod-defaults.js';
import { defaultSecret } from './secret-defaults.js';

/** How the API server treats one kind. */
export interface KindRules {
  namespaced: boolean;
  /** The strategy sets metadata.generation to 1 on create and bumps it when the spec changes. */
  generation: boolean;
  /** The kind has a status subresource: updates keep the stored status, status updates the stored spec. */
  statusSubresource: boolean;
  /** The defaulting functions, applied in place. */
  defaults?: (object: JsonObject) => void;
}

const KINDS: Readonly<Record<string, KindRules>> = {
  // Pods have had metadata.generation since v1.33 (KEP-5067), unconditionally.
  'v1/Pod': { namespaced: true, generation: true, statusSubresource: true, defaults: defaultPod },
  'v1/Namespace': { namespaced: false, generation: false, statusSubresource: true, defaults: defaultNamespace },
  'v1/Node': { namespaced: false, generation: false, statusSubresource: true, defaults: defaultNode },
  'v1/Secret': { namespaced: true, generation: false, statusSubresource: false, defaults: defaultSecret },
  'v1/ConfigMap': { namespaced: true, generation: false, statusSubresource: false },
  'v1/ServiceAccount': { namespaced: true, generation: false, statusSubresource: false },
  'v1/Event': { namespaced: true, generation: false, statusSubresource: false, defaults: defaultEvent },
  'apps/v1/DaemonSet': { namespaced: true, generation: true, statusSubresource: true, defaults: defaultDaemonSet },
  'coordination.k8s.io/v1/Lease': { namespaced: true, generation: false, statusSubresource: false, defaults: defaultLease },
};

const UNKNOWN_KIND: KindRules = { namespaced: true, generation: false, statusSubresource: false };

/** The rules for a kind key; a kind hostpod does not know gets no defaults and no strategy. */
export function kindRules(kindKey: string): KindRules {
  return KINDS[kindKey] ?? UNKNOWN_KIND;
}

/** The kind keys with defaults or strategies. */
export function knownKindKeys(): string[] {
  return Object.keys(KINDS);
}

/** The kind key of an object from its apiVersion and kind: `apps/v1/DaemonSet`. */
export function kindKeyOf(object: unknown): string {
  if (!isJsonObject(object)) return '';
  return `${stringAt(object, 'apiVersion') ?? ''}/${stringAt(object, 'kind') ?? ''}`;
}

/** The apiVersion and kind a kind key names. */
export function splitKindKey(kindKey: string): { apiVersion: string; kind: string } {
  const slash = kindKey.lastIndexOf('/');
  return { apiVersion: kindKey.slice(0, Math.max(slash, 0)), kind: kindKey.slice(slash + 1) };
}
