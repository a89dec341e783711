import type { CheckPod } from '../check.js';
import { ALLOWED, forbidden, type Check } from '../check.js';

/** The namespaced, safe sysctls; each version allows the previous list plus its additions. */
const SAFE_SYSCTLS: ReadonlyArray<[number, readonly string[]]> = [
  [0, ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']],
  [27, ['net.ipv4.ip_local_reserved_ports']],
  [29, ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']],
  [32, ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']],
  [37, ['net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat']],
];

function sysctlCheck(allowed: ReadonlySet<string>): CheckPod {
  return (_meta, spec) => {
    // Upstream keeps the pod's order and duplicates here.
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((name) => !allowed.has(name));
    return bad.length === 0 ? ALLOWED : forbidden('forbidden sysctls', bad.join(', '));
  };
}

/** Baseline: only the safe sysctls of the policy version. */
export const sysctls: Check = {
  id: 'sysctls',
  level: 'baseline',
  versions: SAFE_SYSCTLS.map(([minimumVersion], i) => ({
    minimumVersion,
    checkPod: sysctlCheck(new Set(SAFE_SYSCTLS.slice(0, i + 1).flatMap(([, names]) => names))),
  })),
};
