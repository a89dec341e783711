import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1ObjectMeta, V1PodSpec } from '@kubernetes/client-node';
import { defaultRegistry, evaluateLevel, LATEST, v1, type LevelVersion } from '../../../src/policy/podsecurity/index.js';

const baseline: LevelVersion = { level: 'baseline', version: LATEST };
const restricted: LevelVersion = { level: 'restricted', version: LATEST };

/** A pod that passes restricted, to which a case adds exactly what it tests. */
function restrictedSpec(overrides: Partial<V1PodSpec> = {}): V1PodSpec {
  const sc = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    initContainers: [{ name: 'init', image: 'x', securityContext: sc }],
    containers: [{ name: 'a', image: 'x', securityContext: sc }, { name: 'b', image: 'x', securityContext: sc }],
    ...overrides,
  };
}

function detail(lv: LevelVersion, spec: V1PodSpec, meta: V1ObjectMeta = {}): string {
  const r = evaluateLevel(defaultRegistry, lv, meta, spec);
  return r.allowed ? 'allowed' : r.message.replace(/^violates PodSecurity "[^"]+": /, '');
}

describe('Pod Security checks', () => {
  test('the restricted base pod passes every level', () => {
    assert.equal(detail(restricted, restrictedSpec()), 'allowed');
  });

  const cases: Array<[string, LevelVersion, V1PodSpec, string, V1ObjectMeta?]> = [
    ['host namespaces are listed in a fixed order', baseline, { containers: [], hostIPC: true, hostPID: true, hostNetwork: true },
      'host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)'],
    ['hostProcess names the pod and the containers that set it, init first', baseline, {
      securityContext: { windowsOptions: { hostProcess: true } },
      initContainers: [{ name: 'i', image: 'x', securityContext: { windowsOptions: { hostProcess: true } } }],
      containers: [{ name: 'c', image: 'x', securityContext: { windowsOptions: { hostProcess: true } } }, { name: 'd', image: 'x' }],
    }, 'hostProcess (pod and containers "i", "c" must not set securityContext.windowsOptions.hostProcess=true)'],
    ['privileged', baseline, { containers: [{ name: 'c', image: 'x', securityContext: { privileged: true } }] },
      'privileged (container "c" must not set securityContext.privileged=true)'],
    ['host ports are sorted as strings and deduplicated', baseline, {
      containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 1, hostPort: 8080 }, { containerPort: 2, hostPort: 100 }] },
        { name: 'b', image: 'x', ports: [{ containerPort: 3, hostPort: 20 }, { containerPort: 4, hostPort: 100 }] }],
    }, 'hostPort (containers "a", "b" use hostPorts 100, 20, 8080)'],
    ['non-default capabilities are sorted', baseline, {
      containers: [{ name: 'a', image: 'x', securityContext: { capabilities: { add: ['SYS_ADMIN', 'NET_ADMIN', 'CHOWN'] } } }],
    }, 'non-default capabilities (container "a" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)'],
    ['hostPath volumes', baseline, { containers: [], volumes: [{ name: 'root', hostPath: { path: '/' } }] }, 'hostPath volumes (volume "root")'],
    ['sysctls keep the pod order', baseline, {
      containers: [], securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }, { name: 'b.x', value: '1' }] },
    }, 'forbidden sysctls (kernel.msgmax, b.x)'],
    ['seLinuxOptions lists types, user and role', baseline, {
      securityContext: { seLinuxOptions: { type: 'spc_t', user: 'u' } },
      containers: [{ name: 'a', image: 'x', securityContext: { seLinuxOptions: { role: 'r', type: 'foo' } } }],
    }, 'seLinuxOptions (pod and container "a" set forbidden securityContext.seLinuxOptions: types "foo", "spc_t"; user may not be set; role may not be set)'],
    ['AppArmor fields and annotations', baseline, {
      securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [{ name: 'a', image: 'x' }],
    }, 'forbidden AppArmor profiles (pod and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined"")',
    { annotations: { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined' } }],
    ['seccomp annotations before v1.19', { level: 'baseline', version: v1(18) }, { containers: [{ name: 'a', image: 'x' }] },
      'seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")',
      { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } }],
    ['probe hosts, even localhost', baseline, {
      containers: [{ name: 'b', image: 'x', livenessProbe: { httpGet: { host: '127.0.0.1', port: 80 } } }, { name: 'a', image: 'x', lifecycle: { preStop: { tcpSocket: { host: '10.0.0.1', port: 1 } } } }],
    }, 'probe or lifecycle host (containers "a", "b" use probe or lifecycle hosts "10.0.0.1", "127.0.0.1")'],
    ['probe hosts are not checked before v1.34', { level: 'baseline', version: v1(33) }, {
      containers: [{ name: 'a', image: 'x', livenessProbe: { httpGet: { host: '10.0.0.1', port: 80 } } }],
    }, 'allowed'],
    ['procMount Unmasked', baseline, { containers: [{ name: 'a', image: 'x', securityContext: { procMount: 'Unmasked' } }] },
      'procMount (container "a" must not set securityContext.procMount to "Unmasked")'],
    ['procMount Unmasked in a user namespace passes baseline from v1.35', baseline, {
      hostUsers: false, containers: [{ name: 'a', image: 'x', securityContext: { procMount: 'Unmasked' } }],
    }, 'allowed'],
    ['but not restricted', restricted, restrictedSpec({ hostUsers: false, containers: [{ name: 'a', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, procMount: 'Unmasked' } }] }),
      'procMount (container "a" must not set securityContext.procMount to "Unmasked")'],
    ['restricted lists what each container lacks', restricted, restrictedSpec({ securityContext: {}, containers: [{ name: 'a', image: 'x' }] }),
      'allowPrivilegeEscalation != false (container "a" must set securityContext.allowPrivilegeEscalation=false), ' +
      'unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"]), ' +
      'runAsNonRoot != true (pod or containers "init", "a" must set securityContext.runAsNonRoot=true), ' +
      'seccompProfile (pod or containers "init", "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'],
    ['an explicit runAsNonRoot=false is named', restricted, restrictedSpec({ securityContext: { runAsNonRoot: false, seccompProfile: { type: 'RuntimeDefault' } } }),
      'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)'],
    ['runAsUser=0', restricted, restrictedSpec({ securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } } }),
      'runAsUser=0 (pod must not set runAsUser=0)'],
    ['restricted volume types', restricted, restrictedSpec({ volumes: [{ name: 'n', nfs: { server: 's', path: '/' } }, { name: 'h', hostPath: { path: '/' } }, { name: 'e', emptyDir: {} }, { name: 'implicit' }] }),
      'restricted volume types (volumes "n", "h" use restricted volume types "hostPath", "nfs")'],
    ['Windows pods skip three restricted checks from v1.25', restricted, { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'a', image: 'x' }] }, 'allowed'],
    ['but not before', { level: 'restricted', version: v1(24) }, { os: { name: 'windows' }, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'a', image: 'x', securityContext: { allowPrivilegeEscalation: false } }] },
      'unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"])'],
    ['sysctls allowed only from their version', { level: 'baseline', version: v1(28) }, { containers: [], securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '1' }] } },
      'forbidden sysctls (net.ipv4.tcp_keepalive_time)'],
  ];
  for (const [name, lv, spec, expected, meta] of cases) {
    test(name, () => assert.equal(detail(lv, spec, meta), expected));
  }
});
