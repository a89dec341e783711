/**
 * Pod specs for the differential test: HostProcess in every mix of pod, init and regular
 * container levels, the host network, `spec.os`, containers with ports, mounts, resources and
 * probes, and volumes of each type Pod Security tells apart, each field valid most of the time
 * and refused by validation with the case's `flaw` chance.
 */
import { containerSecurityContext, maybe, podSecurityContext, type Gen } from './security-contexts.js';

type Obj = Record<string, unknown>;

/** How the case spreads hostProcess over the pod and its containers. */
type HostProcessMix = 'pod' | 'containers' | 'mixed' | 'conflict' | 'none' | 'false';

const IMAGES = ['localhost/hostprocess-base:latest', 'busybox', 'registry.example.com/team/app:1.2.3'];
const BAD_IMAGES = ['', ' busybox', 'busybox '];
const CONTAINER_NAMES = ['main', 'sidecar', 'agent', 'logger', 'init', 'setup', 'app'];
const BAD_NAMES = ['Main', 'under_score', 'dot.ted', '-lead', 'x'.repeat(64), ''];

function name(gen: Gen, used: string[]): string {
  const { random } = gen;
  if (random.chance(gen.flaw)) return random.pick([...BAD_NAMES, ...used]);
  const free = CONTAINER_NAMES.filter((n) => !used.includes(n));
  return free.length > 0 ? random.pick(free) : `c-${used.length}`;
}

function ports(gen: Gen, hostNetwork: boolean): Obj[] {
  const { random } = gen;
  const list: Obj[] = [];
  const count = random.weighted([[6, 1], [2, 2], [1, 3]]);
  for (let i = 0; i < count; i++) {
    const containerPort = random.chance(gen.flaw) ? random.pick([0, 70000, -1]) : random.pick([80, 443, 8080, 9100, 53]);
    const port: Obj = { containerPort };
    if (random.chance(hostNetwork ? 0.5 : 0.15)) {
      port['hostPort'] = random.chance(0.7) ? containerPort : random.pick([8081, 80, 70000]);
    }
    if (random.chance(0.4)) port['name'] = random.chance(gen.flaw) ? random.pick(['HTTP', 'a--b', '-x', '12345', 'way-too-long-port-name', 'metrics']) : random.pick(['http', 'metrics', 'dns-udp']);
    if (random.chance(0.3)) port['protocol'] = random.weighted([[5, 'TCP'], [3, 'UDP'], [1, 'SCTP'], [gen.flaw * 10, 'tcp']]);
    list.push(port);
  }
  return list;
}

const QUANTITIES = ['100m', '1', '250m', '2', '0.5', '64Mi', '128Mi', '1Gi', '500M', '1500m', '0'];
const BAD_QUANTITIES = ['-1', '-100m'];

function resources(gen: Gen): Obj {
  const { random } = gen;
  const out: Obj = {};
  for (const kind of ['limits', 'requests']) {
    if (!random.chance(0.6)) continue;
    const list: Obj = {};
    if (random.chance(0.7)) list['cpu'] = random.chance(gen.flaw) ? random.pick(BAD_QUANTITIES) : random.pick(QUANTITIES.slice(0, 5));
    if (random.chance(0.7)) list['memory'] = random.chance(gen.flaw) ? random.pick(BAD_QUANTITIES) : random.pick(QUANTITIES.slice(5));
    if (random.chance(0.05)) list['ephemeral-storage'] = '1Gi';
    // JSON numbers are quantities too.
    if (random.chance(0.05)) list['cpu'] = random.pick([0.5, 2, 0.001, 1e-4]);
    if (random.chance(0.03)) list['memory'] = random.pick([1073741824, 1.5e9]);
    if (random.chance(0.02)) list['hugepages-2Mi'] = random.pick(['4Mi', '3Mi']);
    if (random.chance(gen.flaw)) list[random.pick(['gpu', 'example.com/dongle'])] = random.pick(['1', '2']);
    out[kind] = list;
  }
  return out;
}

function probe(gen: Gen, liveness: boolean): Obj {
  const { random } = gen;
  const handler = random.weighted<Obj>([
    [3, { httpGet: { path: '/healthz', port: random.pick([80, 'http']), ...(random.chance(0.3) ? { host: random.pick(['127.0.0.1', 'example.com', '']) } : {}) } }],
    [2, { tcpSocket: { port: 80, ...(random.chance(0.3) ? { host: random.pick(['127.0.0.1', '']) } : {}) } }],
    [2, { exec: { command: ['true'] } }],
    [1, { grpc: { port: 9090 } }],
  ]);
  const probe: Obj = { ...handler, periodSeconds: 10 };
  if (random.chance(gen.flaw * 2)) {
    Object.assign(probe, random.pick<Obj>([
      {}, { exec: { command: [] } }, { httpGet: { port: 0 } }, { httpGet: { port: 'Bad_Port' } }, { tcpSocket: { port: 70000 } },
      { exec: { command: ['true'] }, tcpSocket: { port: 80 } }, { periodSeconds: -1 }, { successThreshold: liveness ? 2 : 1 },
      { timeoutSeconds: -5 }, { terminationGracePeriodSeconds: 0 }, { grpc: { port: 0 } },
    ]));
    if (Object.keys(probe).length === 1 && probe['periodSeconds'] !== undefined) delete probe[Object.keys(handler)[0]!];
  }
  return probe;
}

const ENV_NAMES = ['PATH_EXTRA', 'NODE_NAME', 'POD_IP', 'LOG_LEVEL'];

function env(gen: Gen): Obj[] {
  const { random } = gen;
  return Array.from({ length: random.between(1, 3) }, () => {
    const name = random.chance(gen.flaw) ? random.pick(['', 'A=B', '1ABC', 'é', 'a b', ...ENV_NAMES]) : random.pick(ENV_NAMES);
    return random.weighted<Obj>([
      [4, { name, value: random.pick(['1', '$(NODE_NAME)/x', '']) }],
      [2, { name, valueFrom: { fieldRef: { fieldPath: random.chance(gen.flaw * 3) ? random.pick(['spec.bogus', 'metadata.labels[bad key]']) : random.pick(['spec.nodeName', 'status.podIP', 'metadata.name']) } } }],
      [1, { name, valueFrom: { resourceFieldRef: { resource: random.chance(gen.flaw * 3) ? 'requests.gpu' : 'limits.memory', ...(random.chance(0.3) ? { divisor: '1Mi' } : {}) } } }],
      [1, { name, valueFrom: { secretKeyRef: { name: 'credentials', key: random.chance(gen.flaw * 3) ? 'bad key' : 'token' } } }],
      [gen.flaw * 10, { name, value: 'x', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
    ]);
  });
}

function volumeMounts(gen: Gen, volumes: string[], privileged: boolean): Obj[] {
  const { random } = gen;
  const mounts: Obj[] = [];
  const count = random.weighted([[5, 1], [2, 2]]);
  for (let i = 0; i < count; i++) {
    const name = random.chance(gen.flaw) || volumes.length === 0 ? random.pick(['missing', ...volumes]) : random.pick(volumes);
    const mount: Obj = { name, mountPath: random.chance(gen.flaw) ? random.pick(['', '/data', 'relative']) : `/mnt/${name}-${i}` };
    maybe(gen, mount, 'readOnly', 0.2, () => true);
    maybe(gen, mount, 'subPath', 0.1, () => random.chance(gen.flaw * 3) ? random.pick(['/abs', '../up', 'a/../b']) : 'sub');
    maybe(gen, mount, 'mountPropagation', 0.05, () => random.pick(privileged ? ['Bidirectional', 'HostToContainer'] : ['Bidirectional', 'HostToContainer', 'None', 'Sideways']));
    mounts.push(mount);
  }
  return mounts;
}

function container(gen: Gen, used: string[], volumes: string[], hostProcess: boolean | undefined, hostNetwork: boolean, init: boolean): Obj {
  const { random } = gen;
  const c: Obj = { name: name(gen, used), image: random.chance(gen.flaw) ? random.pick(BAD_IMAGES) : random.pick(IMAGES) };
  used.push(String(c['name']));
  maybe(gen, c, 'command', 0.5, () => ['/bin/sh', '-c', 'sleep 3600']);
  maybe(gen, c, 'ports', init ? 0.05 : 0.35, () => ports(gen, hostNetwork));
  maybe(gen, c, 'resources', 0.3, () => resources(gen));
  const sc = containerSecurityContext(gen, hostProcess);
  if (sc) c['securityContext'] = sc;
  maybe(gen, c, 'volumeMounts', volumes.length > 0 ? 0.6 : 0.05, () => volumeMounts(gen, volumes, sc?.['privileged'] === true));
  if (!init) {
    maybe(gen, c, 'livenessProbe', 0.1, () => probe(gen, true));
    maybe(gen, c, 'readinessProbe', 0.05, () => probe(gen, false));
    maybe(gen, c, 'startupProbe', 0.03, () => probe(gen, true));
    maybe(gen, c, 'lifecycle', 0.05, () => ({
      [random.pick(['postStart', 'preStop'])]: random.pick<Obj>([
        { httpGet: { port: 80, host: '10.0.0.1' } }, { exec: { command: ['true'] } }, { tcpSocket: { port: 80 } }, { sleep: { seconds: random.pick([5, 0, -1]) } },
      ]),
    }));
  } else {
    maybe(gen, c, 'restartPolicy', 0.15, () => (random.chance(gen.flaw * 3) ? random.pick(['Never', 'OnFailure', 'bogus']) : 'Always'));
  }
  maybe(gen, c, 'env', 0.2, () => env(gen));
  maybe(gen, c, 'imagePullPolicy', 0.1, () => random.weighted([[5, 'IfNotPresent'], [3, 'Always'], [gen.flaw * 10, 'Sometimes']]));
  return c;
}

const VOLUMES: readonly ((gen: Gen) => Obj)[] = [
  () => ({ emptyDir: {} }),
  (gen) => ({ emptyDir: { sizeLimit: gen.random.chance(gen.flaw) ? '-1Gi' : '1Gi', ...(gen.random.chance(0.2) ? { medium: 'Memory' } : {}) } }),
  (gen) => ({ hostPath: {
    ...(gen.random.chance(gen.flaw) ? {} : { path: gen.random.pick(['/var/log', '/etc/hostpod', '/', 'relative/path']) }),
    ...(gen.random.chance(0.3) ? { type: gen.random.pick(['', 'Directory', 'DirectoryOrCreate', 'File', 'Socket', ...(gen.random.chance(gen.flaw * 5) ? ['Bogus'] : [])]) } : {}),
  } }),
  () => ({ configMap: { name: 'settings' } }),
  () => ({ secret: { secretName: 'credentials' } }),
  (gen) => ({ projected: { sources: [gen.random.pick<Obj>([
    { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }, { configMap: { name: 'settings' } }, { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
  ])] } }),
  () => ({ downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }),
  (gen) => ({ persistentVolumeClaim: { claimName: gen.random.chance(gen.flaw) ? '' : 'data' } }),
  () => ({ ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } }),
  () => ({ csi: { driver: 'secrets-store.csi.k8s.io' } }),
  (gen) => ({ nfs: { server: 'nfs.example.com', path: gen.random.pick(['/exports', '']) } }),
  () => ({ gitRepo: { repository: 'https://example.com/repo.git' } }),
  (gen) => ({ image: { reference: gen.random.chance(gen.flaw) ? '' : 'registry.example.com/data:1', pullPolicy: 'IfNotPresent' } }),
  () => ({ iscsi: { targetPortal: '10.0.0.1:3260', iqn: 'iqn.2001-04.com.example:storage', lun: 0 } }),
];

function volumes(gen: Gen): Obj[] {
  const { random } = gen;
  const list: Obj[] = [];
  const count = random.weighted([[4, 1], [3, 2], [1, 3]]);
  const weights: [number, (gen: Gen) => Obj][] = VOLUMES.map((v, i) => [i <= 2 ? 4 : i <= 7 ? 2 : 1, v]);
  for (let i = 0; i < count; i++) {
    const name = random.chance(gen.flaw) ? random.pick(['Bad_Name', '', ...list.map((v) => String(v['name']))]) : `vol-${i}`;
    const volume: Obj = { name, ...random.weighted(weights)(gen) };
    if (random.chance(gen.flaw / 2)) Object.assign(volume, random.weighted(weights)(gen));
    list.push(volume);
  }
  return list;
}

function hostProcessOf(mix: HostProcessMix, gen: Gen): boolean | undefined {
  const { random } = gen;
  switch (mix) {
    case 'pod': return random.weighted([[8, undefined], [2, true]]);
    case 'containers': return true;
    case 'mixed': return random.pick([true, false, undefined]);
    case 'conflict': return random.pick([true, false]);
    case 'none': return random.weighted([[9, undefined], [1, false]]);
    case 'false': return random.pick([false, undefined]);
  }
}

/** A pod spec; `restartPolicy` is what the kind wants, broken with the flaw chance. */
export function podSpec(gen: Gen, restartPolicy: string | undefined): Obj {
  const { random } = gen;
  const mix = random.weighted<HostProcessMix>([[30, 'pod'], [12, 'containers'], [8, 'mixed'], [5, 'conflict'], [40, 'none'], [5, 'false']]);
  gen.hostProcess = mix === 'pod' ? true : mix === 'false' ? false : mix === 'conflict' ? random.pick([true, false]) : mix === 'mixed' ? random.pick([true, false, undefined]) : undefined;
  if (mix === 'none' && random.chance(0.1)) gen.hostProcess = false;
  const hostProcessLike = mix === 'pod' || mix === 'containers';
  const spec: Obj = {};
  const hostNetwork = random.chance(hostProcessLike ? 0.85 : 0.15);
  if (hostNetwork) spec['hostNetwork'] = true;
  else if (random.chance(0.1)) spec['hostNetwork'] = false;
  maybe(gen, spec, 'hostPID', 0.04, () => true);
  maybe(gen, spec, 'hostIPC', 0.03, () => true);
  maybe(gen, spec, 'hostUsers', 0.04, () => random.chance(0.7) ? false : true);
  maybe(gen, spec, 'os', 0.15, () => ({ name: random.weighted([[5, 'linux'], [4, 'windows'], [gen.flaw * 10, random.pick(['Windows', '', 'darwin'])]]) }));
  const sc = podSecurityContext(gen);
  if (sc) spec['securityContext'] = sc;
  const vols = random.chance(0.45) ? volumes(gen) : [];
  if (vols.length > 0) spec['volumes'] = vols;
  const names = vols.map((v) => String(v['name']));
  const used: string[] = [];
  const initCount = random.weighted([[6, 0], [3, 1], [1, 2]]);
  const inits = Array.from({ length: initCount }, () => container(gen, used, names, hostProcessOf(mix, gen), hostNetwork, true));
  const mainCount = random.chance(gen.flaw / 2) ? 0 : random.weighted([[6, 1], [3, 2], [1, 3]]);
  const mains = Array.from({ length: mainCount }, () => container(gen, used, names, hostProcessOf(mix, gen), hostNetwork, false));
  if (inits.length > 0) spec['initContainers'] = inits;
  spec['containers'] = mains;
  if (random.chance(0.02)) spec['ephemeralContainers'] = [{ name: 'debugger', image: 'busybox', targetContainerName: String(used[0] ?? 'main') }];
  if (restartPolicy !== undefined) spec['restartPolicy'] = restartPolicy;
  maybe(gen, spec, 'restartPolicy', gen.flaw, () => random.pick(['Always', 'OnFailure', 'Never', 'Sometimes', '']));
  maybe(gen, spec, 'nodeSelector', 0.2, () => ({ 'kubernetes.io/os': random.pick(['linux', 'windows']) }));
  maybe(gen, spec, 'dnsPolicy', 0.05, () => random.pick(['ClusterFirstWithHostNet', 'Default', ...(random.chance(gen.flaw * 5) ? ['Host'] : [])]));
  maybe(gen, spec, 'shareProcessNamespace', 0.03, () => true);
  // Only the classes every cluster has: whether another exists is the cluster's, which lint cannot know.
  maybe(gen, spec, 'priorityClassName', 0.05, () => random.pick(['system-node-critical', 'system-cluster-critical']));
  maybe(gen, spec, 'tolerations', 0.15, () => [random.pick<Obj>([
    { operator: 'Exists' }, { key: 'hostpod.io/hostprocess', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ...(random.chance(gen.flaw * 5) ? [{ key: 'k', operator: 'Exists', value: 'v' }, { operator: 'Equal', value: 'v' }, { key: 'Bad Key', effect: 'Sometimes' }, { key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 }] : []),
  ])]);
  maybe(gen, spec, 'hostname', 0.03, () => random.pick(['node-agent', ...(random.chance(gen.flaw * 5) ? ['Bad.Host'] : [])]));
  maybe(gen, spec, 'imagePullSecrets', 0.05, () => [{ name: 'registry' }, ...(random.chance(0.3) ? [{ name: random.pick(['registry', '']) }] : [])]);
  maybe(gen, spec, 'terminationGracePeriodSeconds', 0.05, () => random.pick([0, 30, -1]));
  maybe(gen, spec, 'activeDeadlineSeconds', 0.02, () => random.pick([60, 0]));
  return spec;
}

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

/** A pod's (or template's) annotations: deprecated AppArmor and seccomp ones, now and then. */
export function podAnnotations(gen: Gen, spec: Obj): Obj | undefined {
  const { random } = gen;
  const annotations: Obj = {};
  if (random.chance(0.05)) {
    const containers = [...(spec['containers'] as Obj[]), ...((spec['initContainers'] as Obj[] | undefined) ?? [])];
    const target = containers.length > 0 ? String(random.pick(containers)['name']) : 'main';
    annotations[`${APPARMOR_ANNOTATION}${target}`] = random.pick(['runtime/default', 'unconfined', 'localhost/k8s-apparmor-example', 'bogus']);
  }
  if (random.chance(0.03)) annotations['seccomp.security.alpha.kubernetes.io/pod'] = random.pick(['runtime/default', 'unconfined', 'docker/default']);
  if (random.chance(0.02)) annotations['example.com/owner'] = 'team-a';
  return Object.keys(annotations).length > 0 ? annotations : undefined;
}
