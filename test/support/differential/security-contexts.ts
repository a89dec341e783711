/**
 * Pod and container security contexts: `windowsOptions` with hostProcess true, false or absent,
 * and every field a Pod Security check reads (capabilities, privileged, allowPrivilegeEscalation,
 * procMount, runAsNonRoot, runAsUser, seccomp, SELinux, AppArmor, sysctls), with values each
 * level allows, values it forbids, and values validation refuses.
 */
import type { Random } from '../fuzz/random.js';
import { runAsUserName } from './run-as-user-names.js';

/** What the generators of one case share. */
export interface Gen {
  random: Random;
  /** The chance that a field gets a value validation refuses. */
  flaw: number;
  /** Whether the case aims at the restricted level (most fields set as it wants). */
  hardened: boolean;
  /** The pod-level hostProcess, when the case has decided one. */
  hostProcess: boolean | undefined;
}

type Obj = Record<string, unknown>;

/** Sets `key` on `object` with probability `p`. */
export function maybe(gen: Gen, object: Obj, key: string, p: number, value: () => unknown): void {
  if (gen.random.chance(p)) object[key] = value();
}

/** windowsOptions at pod or container level; undefined when left out. */
export function windowsOptions(gen: Gen, hostProcess: boolean | undefined): Obj | undefined {
  const { random } = gen;
  const options: Obj = {};
  if (hostProcess !== undefined) options['hostProcess'] = hostProcess;
  maybe(gen, options, 'runAsUserName', hostProcess === true ? 0.7 : 0.25, () => runAsUserName(random, Math.max(gen.flaw, 0.15)));
  maybe(gen, options, 'gmsaCredentialSpecName', 0.03, () => random.pick(['gmsa-spec', 'Bad_Name', '']));
  maybe(gen, options, 'gmsaCredentialSpec', 0.02, () => random.pick(['{}', '']));
  return Object.keys(options).length === 0 && random.chance(0.8) ? undefined : options;
}

const CAPABILITIES = ['NET_BIND_SERVICE', 'CHOWN', 'KILL', 'AUDIT_WRITE', 'SETUID', 'NET_RAW', 'NET_ADMIN', 'SYS_ADMIN', 'SYS_TIME', 'CAP_SYS_ADMIN', 'ALL', 'net_bind_service'];
const SECCOMP: readonly (() => Obj)[] = [
  () => ({ type: 'RuntimeDefault' }), () => ({ type: 'Localhost', localhostProfile: 'profiles/audit.json' }), () => ({ type: 'Unconfined' }),
];
const BAD_SECCOMP: readonly Obj[] = [
  { type: 'Localhost' }, { type: 'RuntimeDefault', localhostProfile: 'x.json' }, { type: 'Bogus' }, { type: '' },
  { type: 'Localhost', localhostProfile: '' }, { type: 'Localhost', localhostProfile: '/abs.json' }, { type: 'Localhost', localhostProfile: '../up.json' },
];
const APPARMOR: readonly (() => Obj)[] = [
  () => ({ type: 'RuntimeDefault' }), () => ({ type: 'Localhost', localhostProfile: 'k8s-apparmor-example' }), () => ({ type: 'Unconfined' }),
];
const BAD_APPARMOR: readonly Obj[] = [
  { type: 'Localhost' }, { type: 'Unconfined', localhostProfile: 'p' }, { type: 'Bogus' }, { type: 'Localhost', localhostProfile: ' padded ' },
  { type: 'Localhost', localhostProfile: '' },
];
const SELINUX: readonly Obj[] = [
  { type: 'container_t' }, { type: 'container_init_t' }, { type: 'container_kvm_t' }, { type: 'container_engine_t' }, { level: 's0:c123,c456' },
  { type: 'spc_t' }, { user: 'system_u' }, { role: 'system_r' }, { type: '' }, { type: 'unconfined_t', level: 's0' },
];

function seccomp(gen: Gen): Obj {
  if (gen.random.chance(gen.flaw)) return { ...gen.random.pick(BAD_SECCOMP) };
  return gen.hardened ? gen.random.weighted([[8, SECCOMP[0]!], [2, SECCOMP[1]!], [1, SECCOMP[2]!]])() : gen.random.pick(SECCOMP)();
}

function appArmor(gen: Gen): Obj {
  if (gen.random.chance(gen.flaw)) return { ...gen.random.pick(BAD_APPARMOR) };
  return gen.random.pick(APPARMOR)();
}

function runAsUser(gen: Gen): number {
  if (gen.random.chance(gen.flaw)) return gen.random.pick([-1, 2147483648]);
  return gen.random.pick(gen.hardened ? [1000, 65534, 1000, 0] : [0, 1000, 0]);
}

function capabilities(gen: Gen): Obj {
  const { random } = gen;
  const caps: Obj = {};
  const drop = gen.hardened ? random.chance(0.9) : random.chance(0.3);
  if (drop) caps['drop'] = [random.weighted([[8, 'ALL'], [1, 'all'], [1, 'NET_RAW']])];
  if (random.chance(gen.hardened ? 0.3 : 0.5)) {
    const add = gen.hardened && random.chance(0.7) ? ['NET_BIND_SERVICE'] : [random.pick(CAPABILITIES)];
    if (random.chance(0.2)) add.push(random.pick(CAPABILITIES));
    if (random.chance(gen.flaw)) add.push('');
    caps['add'] = add;
  }
  return caps;
}

/** A container's securityContext, or undefined. */
export function containerSecurityContext(gen: Gen, hostProcess: boolean | undefined): Obj | undefined {
  const { random } = gen;
  const sc: Obj = {};
  const windows = windowsOptions(gen, hostProcess);
  if (windows) sc['windowsOptions'] = windows;
  if (gen.hardened) {
    maybe(gen, sc, 'allowPrivilegeEscalation', 0.9, () => random.chance(0.9) ? false : true);
    maybe(gen, sc, 'runAsNonRoot', 0.6, () => random.chance(0.9));
    maybe(gen, sc, 'capabilities', 0.9, () => capabilities(gen));
    maybe(gen, sc, 'seccompProfile', 0.5, () => seccomp(gen));
  } else {
    maybe(gen, sc, 'allowPrivilegeEscalation', 0.2, () => random.chance(0.5));
    maybe(gen, sc, 'runAsNonRoot', 0.15, () => random.chance(0.5));
    maybe(gen, sc, 'capabilities', 0.2, () => capabilities(gen));
    maybe(gen, sc, 'seccompProfile', 0.15, () => seccomp(gen));
  }
  maybe(gen, sc, 'privileged', gen.hardened ? 0.05 : 0.2, () => random.chance(0.6));
  maybe(gen, sc, 'runAsUser', 0.15, () => runAsUser(gen));
  maybe(gen, sc, 'runAsGroup', 0.05, () => random.pick([0, 1000, ...(random.chance(gen.flaw) ? [-5] : [])]));
  maybe(gen, sc, 'readOnlyRootFilesystem', 0.1, () => random.chance(0.5));
  maybe(gen, sc, 'procMount', 0.06, () => random.weighted([[4, 'Default'], [4, 'Unmasked'], [gen.flaw * 10, 'Bogus']]));
  maybe(gen, sc, 'seLinuxOptions', 0.06, () => ({ ...random.pick(SELINUX) }));
  maybe(gen, sc, 'appArmorProfile', 0.08, () => appArmor(gen));
  if (Object.keys(sc).length === 0 && random.chance(0.7)) return undefined;
  return sc;
}

// Not net.ipv4.tcp_slow_start_after_idle or tcp_notsent_lowat: Pod Security allows them from
// v1.37, hostpod's latest, while the 1.36 API server the cases are compared with does not know it.
const SYSCTLS = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'kernel.msgmax',
  'vm.swappiness', 'net.core.somaxconn', 'kernel.shm_rmid_forced', 'net/ipv4/ip_local_port_range',
];
const BAD_SYSCTLS = ['Bad_Name', '', 'kernel..x', 'a'.repeat(254), '-kernel.x'];

function sysctls(gen: Gen): Obj[] {
  const { random } = gen;
  const list: Obj[] = [];
  const count = random.between(1, 3);
  for (let i = 0; i < count; i++) {
    const name = random.chance(gen.flaw) ? random.pick(BAD_SYSCTLS) : random.pick(SYSCTLS);
    list.push({ name, value: random.pick(['1', '0', '32768 60999', '']) });
  }
  return list;
}

/** A pod's securityContext, or undefined. */
export function podSecurityContext(gen: Gen): Obj | undefined {
  const { random } = gen;
  const sc: Obj = {};
  const windows = windowsOptions(gen, gen.hostProcess);
  if (windows) sc['windowsOptions'] = windows;
  maybe(gen, sc, 'runAsNonRoot', gen.hardened ? 0.6 : 0.15, () => random.chance(0.85));
  maybe(gen, sc, 'seccompProfile', gen.hardened ? 0.6 : 0.15, () => seccomp(gen));
  maybe(gen, sc, 'runAsUser', 0.15, () => runAsUser(gen));
  maybe(gen, sc, 'runAsGroup', 0.05, () => random.pick([0, 1000]));
  maybe(gen, sc, 'fsGroup', 0.05, () => random.pick([0, 2000, ...(random.chance(gen.flaw) ? [-1] : [])]));
  maybe(gen, sc, 'supplementalGroups', 0.03, () => [random.pick([1, 2000])]);
  maybe(gen, sc, 'seLinuxOptions', 0.06, () => ({ ...random.pick(SELINUX) }));
  maybe(gen, sc, 'appArmorProfile', 0.06, () => appArmor(gen));
  maybe(gen, sc, 'sysctls', 0.1, () => sysctls(gen));
  maybe(gen, sc, 'fsGroupChangePolicy', 0.03, () => random.pick(['OnRootMismatch', 'Always', ...(random.chance(gen.flaw * 5) ? ['Sometimes'] : [])]));
  maybe(gen, sc, 'supplementalGroupsPolicy', 0.03, () => random.pick(['Merge', 'Strict', ...(random.chance(gen.flaw * 5) ? ['Loose'] : [])]));
  if (Object.keys(sc).length === 0 && random.chance(0.7)) return undefined;
  return sc;
}
