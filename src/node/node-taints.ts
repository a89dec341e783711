/**
 * The taints a hostpod node registers with (the kubelet's --register-with-taints). By default
 * one taint, `hostpod.io/hostprocess=true:NoSchedule`: a hostpod node runs HostProcess pods only,
 * so the scheduler and the DaemonSet controller place there only the workloads that tolerate it,
 * and an ordinary pod of the cluster never lands on a hostpod node.
 */
import { HostpodError } from '../errors.js';

export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export const HOSTPROCESS_TAINT: NodeTaint = { key: 'hostpod.io/hostprocess', value: 'true', effect: 'NoSchedule' };

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts.pop()!;
  const prefix = parts[0];
  return NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix)));
}

/**
 * Parses `key[=value]:Effect,...` as the kubelet's flag does; an empty string is no taint.
 * @throws HostpodError naming the taint and what is wrong with it
 */
export function parseTaints(flag: string): NodeTaint[] {
  if (flag.trim() === '') return [];
  const seen = new Set<string>();
  return flag.split(',').map((text) => {
    const fail = (why: string): never => {
      throw new HostpodError('ERR_HOSTPOD_TAINT', `--register-with-taints: taint "${text}" ${why}`, { hint: 'write each taint as key=value:Effect (or key:Effect), Effect one of NoSchedule, PreferNoSchedule, NoExecute; "" registers none' });
    };
    const colon = text.lastIndexOf(':');
    if (colon < 0) fail('has no effect');
    const effect = text.slice(colon + 1);
    const [key = '', value, ...rest] = text.slice(0, colon).split('=');
    if (rest.length > 0) fail('has more than one "="');
    if (!isQualifiedName(key)) fail(`has an invalid key "${key}" (a qualified name: [prefix/]name, name at most 63 alphanumerics, '-', '_' or '.')`);
    if (value !== undefined && (value.length > 63 || !VALUE.test(value))) fail(`has an invalid value "${value}" (at most 63 alphanumerics, '-', '_' or '.')`);
    if (!(EFFECTS as readonly string[]).includes(effect)) fail(`has an unknown effect "${effect}"`);
    if (seen.has(`${key}:${effect}`)) fail('is given twice');
    seen.add(`${key}:${effect}`);
    return { key, ...(value === undefined ? {} : { value }), effect: effect as NodeTaint['effect'] };
  });
}

export function formatTaint(taint: NodeTaint): string {
  return `${taint.key}${taint.value === undefined ? '' : `=${taint.value}`}:${taint.effect}`;
}
