/**
 * The mutating endpoint's defaults as a JSONPatch (RFC 6902): the configured node selector labels
 * a HostProcess pod lacks and the tolerations it has no equal of.
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import type { Toleration, WebhookConfig } from './config.js';

export interface PatchOperation {
  op: 'add';
  path: string;
  value: unknown;
}

/** RFC 6901: `~` and `/` in a key. */
const pointerKey = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '') &&
    (a.effect ?? '') === (b.effect ?? '') && a.tolerationSeconds === b.tolerationSeconds;
}

/** The patch that adds `defaults` to the pod spec found at `templatePath` + `spec` (a Pod: `spec`). */
export function defaultsPatch(spec: V1PodSpec, templatePath: readonly string[], defaults: WebhookConfig['mutate']): PatchOperation[] {
  const base = `/${[...templatePath, 'spec'].map(pointerKey).join('/')}`;
  const patch: PatchOperation[] = [];
  const selector = spec.nodeSelector ?? undefined;
  const missing = Object.entries(defaults.nodeSelector).filter(([key]) => selector?.[key] === undefined);
  if (missing.length > 0) {
    // A key already there, with any value, is the user's choice and stays.
    if (selector === undefined) patch.push({ op: 'add', path: `${base}/nodeSelector`, value: Object.fromEntries(missing) });
    else for (const [key, value] of missing) patch.push({ op: 'add', path: `${base}/nodeSelector/${pointerKey(key)}`, value });
  }
  const present = (spec.tolerations ?? []) as Toleration[];
  const add = defaults.tolerations.filter((t) => !present.some((p) => sameToleration(p, t)));
  if (add.length > 0) {
    if (spec.tolerations === undefined || spec.tolerations === null) patch.push({ op: 'add', path: `${base}/tolerations`, value: add });
    else for (const t of add) patch.push({ op: 'add', path: `${base}/tolerations/-`, value: t });
  }
  return patch;
}
