/**
 * Services parity (issue 18): one scripted kubectl session about Services, Endpoints and
 * EndpointSlices, run step by step against the real control plane (kube-apiserver, controller
 * manager and scheduler 1.36 as kubeadm sets them up) and against `hostpod up --no-node`, as
 * controlplane-parity.test.ts does: create, expose, get, describe, patch and delete Services of
 * each type, allocation errors, headless Services, the `kubernetes` Service, and the endpoints of
 * Services whose pods are Pending, get an address, turn ready and unready, or go; user-managed
 * Endpoints and their mirrored slice. Randomly allocated cluster IPs and node ports are
 * normalized (test/support/parity/normalize-services.ts); the session requests fixed ones from
 * the lower parts of the ranges, which are compared as they are.
 *
 * HOSTPOD_PARITY_TRANSCRIPT=FILE writes every step's normalized output on both sides to FILE.
 */
import { join } from 'node:path';
import { kubectlSkip } from '../support/controlplane.js';
import { realClusterSkip } from '../support/kube-binaries.js';
import { normalizeServices } from '../support/parity/normalize-services.js';
import { paritySuite } from '../support/parity/suite.js';
import type { ParitySession} from '../support/parity/session.js';
import { type Run } from '../support/parity/session.js';

const KUBECTL = '1.33';
const NS = 'svc';
const KNOWN = join(import.meta.dirname, 'parity-services.known.yaml');
const skip = realClusterSkip() || kubectlSkip(KUBECTL);

const n = (...args: string[]): string[] => [...args, '-n', NS];
const ok = (run: Run): boolean => run.code === 0;

function service(name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS, ...(Object.keys(labels).length ? { labels } : {}) }, spec }, null, 2);
}

async function kubernetesService(s: ParitySession): Promise<void> {
  await s.step('kubernetes service', ['get', 'service', 'kubernetes', '-n', 'default']);
  await s.step('kubernetes service yaml', ['get', 'service', 'kubernetes', '-n', 'default', '-o', 'yaml']);
  await s.step('describe kubernetes service', ['describe', 'service', 'kubernetes', '-n', 'default', '--show-events=false']);
  // Both API servers are on loopback, which an endpoint may not hold: neither has endpoints for it.
  await s.step('kubernetes endpoints on loopback', ['get', 'endpoints', 'kubernetes', '-n', 'default']);
  await s.step('kubernetes endpointslices on loopback', ['get', 'endpointslices', '-n', 'default']);
  await s.step('endpointslices in api-resources', ['api-resources', '--api-group=discovery.k8s.io']);
  await s.step('delete the kubernetes service', ['delete', 'service', 'kubernetes', '-n', 'default']);
  await s.settle('the kubernetes service back', ['get', 'service', 'kubernetes', '-n', 'default'], ok);
  await s.step('the kubernetes service is back', ['get', 'service', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports} {.metadata.labels}']);
}

async function createEachType(s: ParitySession): Promise<void> {
  await s.step('create namespace', ['create', 'namespace', NS]);
  await s.settle('default service account', n('get', 'serviceaccount', 'default'), ok);
  await s.step('create clusterip', n('create', 'service', 'clusterip', 'a', '--tcp=80:8080'));
  await s.step('create nodeport', n('create', 'service', 'nodeport', 'b', '--tcp=80:8080'));
  await s.step('create loadbalancer', n('create', 'service', 'loadbalancer', 'c', '--tcp=80:8080,443:8443'));
  await s.step('create externalname', n('create', 'service', 'externalname', 'd', '--external-name=example.com'));
  await s.step('create headless', n('create', 'service', 'clusterip', 'e', '--clusterip=None'));
  for (const name of ['a', 'b', 'c', 'd', 'e']) await s.step(`yaml of ${name}`, n('get', 'service', name, '-o', 'yaml'));
  await s.step('get services', n('get', 'services'));
  await s.step('get services wide', n('get', 'services', '-o', 'wide'));
  // Without events: kube-apiserver's IP repair controller may race a new Service and warn ClusterIPNotAllocated on it.
  await s.step('describe services', n('describe', 'services', '--show-events=false'));
  await s.step('get svc json', n('get', 'svc', 'b', '-o', 'json'));
}

async function requested(s: ParitySession): Promise<void> {
  s.write('dns.json', service('dns', {
    clusterIP: '10.96.0.10', selector: { app: 'dns' },
    ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
  }));
  await s.step('apply requested cluster IP', n('apply', '-f', 'dns.json'));
  await s.step('requested cluster IP yaml', n('get', 'service', 'dns', '-o', 'yaml'));
  await s.step('reapply: unchanged', n('apply', '-f', 'dns.json'));
  s.write('np.json', service('np', { type: 'NodePort', ports: [{ name: 'tcp', port: 53, protocol: 'TCP', nodePort: 30053 }, { name: 'udp', port: 53, protocol: 'UDP' }] }));
  await s.step('requested node port', n('apply', '-f', 'np.json'));
  await s.step('requested node port yaml', n('get', 'service', 'np', '-o', 'jsonpath={.spec.ports}'));
  s.write('np-again.json', service('np-again', { type: 'NodePort', ports: [{ port: 80, nodePort: 30053 }] }));
  await s.step('node port taken', n('apply', '-f', 'np-again.json'));
  s.write('ip-again.json', service('ip-again', { clusterIP: '10.96.0.10', sessionAffinity: 'Sticky', ports: [{ port: 80 }] }));
  await s.step('cluster IP taken (alone, before validation)', n('apply', '-f', 'ip-again.json'));
  s.write('outside.json', service('outside', { clusterIP: '10.200.0.1', ports: [{ port: 80 }] }));
  await s.step('cluster IP out of range', n('apply', '-f', 'outside.json'));
  s.write('low-port.json', service('low-port', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }));
  await s.step('node port out of range', n('apply', '-f', 'low-port.json'));
  s.write('families.json', [
    service('headless-any', { clusterIP: 'None', ports: [{ port: 80 }] }),
    service('headless-one', { clusterIP: 'None', ipFamilyPolicy: 'SingleStack' }),
    service('prefer', { ipFamilyPolicy: 'PreferDualStack', ports: [{ port: 80 }] }),
    service('lb-no-ports', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 10250 }] }),
  ].join('\n'));
  await s.step('families of headless services without a selector', n('apply', '-f', 'families.json'));
  await s.step('families yaml', n('get', 'services', 'headless-any', 'headless-one', 'prefer', 'lb-no-ports', '-o', 'jsonpath={range .items[*]}{.metadata.name}: {.spec.ipFamilyPolicy} {.spec.ipFamilies} {.spec.ports}{"\\n"}{end}'));
  s.write('np-replace.json', service('np', { type: 'NodePort', ports: [{ name: 'tcp', port: 53, protocol: 'TCP' }, { name: 'udp', port: 54, protocol: 'UDP' }] }));
  await s.step('replace without node ports keeps them by name', n('replace', '-f', 'np-replace.json'));
  await s.step('node ports kept', n('get', 'service', 'np', '-o', 'jsonpath={.spec.ports[0].nodePort}'));
  s.write('lb-local.json', service('lb-local', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }));
  await s.step('load balancer with local traffic', n('apply', '-f', 'lb-local.json'));
  await s.step('health check node port', n('get', 'service', 'lb-local', '-o', 'jsonpath=healthCheckNodePort: {.spec.healthCheckNodePort} nodePort: {.spec.ports[0].nodePort}'));
  await s.step('describe health check node port', n('describe', 'service', 'lb-local', '--show-events=false'));
  await s.step('local to cluster drops it', n('patch', 'service', 'lb-local', '-p', '{"spec":{"externalTrafficPolicy":"Cluster"}}'));
  await s.step('health check node port dropped', n('get', 'service', 'lb-local', '-o', 'jsonpath={.spec.healthCheckNodePort}|{.spec.externalTrafficPolicy}'));
  await s.step('dry run allocates nothing', n('create', 'service', 'clusterip', 'dry', '--tcp=80', '--dry-run=server', '-o', 'jsonpath={.spec.type} {.spec.ipFamilies}'));
  await s.step('dry run: no service', n('get', 'service', 'dry'));
}

async function invalid(s: ParitySession): Promise<void> {
  const cases: [string, Record<string, unknown>][] = [
    ['two unnamed ports', { ports: [{ port: 80 }, { port: 81 }] }],
    ['bad ports', { type: 'Bogus', sessionAffinity: 'Sticky', ports: [{ port: 0, protocol: 'HTTP', targetPort: 0, name: 'A_B' }, { port: 70000, name: 'A_B', targetPort: 'not_valid_name_toolong' }] }],
    ['no ports', { ports: [] }],
    ['bad cluster IP', { clusterIP: 'abc', externalName: 'foo', ports: [{ port: 80, nodePort: 30001 }] }],
    ['leading zeros', { clusterIP: '10.96.000.3', ports: [{ port: 80 }] }],
    ['externalname without a name', { type: 'ExternalName', ports: [{ port: 80 }] }],
    ['dual stack required', { ipFamilyPolicy: 'RequireDualStack', ports: [{ port: 80 }] }],
    ['IPv6 family', { ipFamilies: ['IPv6'], ports: [{ port: 80 }] }],
    ['two families, single stack', { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80 }] }],
    ['two families, preferred', { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 80 }] }],
    ['bad external name', { type: 'ExternalName', externalName: 'Bad_Name', ports: [{ port: 80 }] }],
    ['headless node port', { clusterIP: 'None', type: 'NodePort', ports: [{ port: 80 }] }],
    ['node port on a cluster IP', { ports: [{ port: 80, nodePort: 30001 }] }],
    ['duplicate ports', { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }],
    ['health check port without a local load balancer', { healthCheckNodePort: 30001, ports: [{ port: 80 }] }],
    ['client IP affinity', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } }, ports: [{ port: 80 }] }],
  ];
  for (const [what, spec] of cases) {
    s.write('invalid.json', service('bad', spec));
    await s.step(`invalid: ${what}`, n('create', '-f', 'invalid.json'));
  }
  s.write('warned.json', [
    service('w1', { type: 'ExternalName', externalName: 'foo.example', externalIPs: ['192.0.2.10'], ports: [{ port: 80 }] }),
    service('w2', { externalIPs: ['192.0.2.10'], externalName: 'foo.example', ports: [{ port: 80 }] }),
  ].join('\n'));
  await s.step('warnings', n('create', '-f', 'warned.json', '--dry-run=server', '-o', 'name'));
}

async function updates(s: ParitySession): Promise<void> {
  await s.step('change the cluster IP', n('patch', 'service', 'a', '-p', '{"spec":{"clusterIP":"10.96.0.50"}}'));
  await s.step('change the cluster IPs', n('patch', 'service', 'a', '--type=merge', '-p', '{"spec":{"clusterIPs":["10.96.0.50"]}}'));
  await s.step('headless to an address', n('patch', 'service', 'e', '-p', '{"spec":{"clusterIP":"10.96.0.77"}}'));
  await s.step('nodeport to clusterip', n('patch', 'service', 'b', '-p', '{"spec":{"type":"ClusterIP"}}'));
  await s.step('nodeport to clusterip yaml', n('get', 'service', 'b', '-o', 'jsonpath={.spec}'));
  await s.step('clusterip to externalname', n('patch', 'service', 'a', '-p', '{"spec":{"type":"ExternalName","externalName":"x.example"}}'));
  await s.step('clusterip to externalname yaml', n('get', 'service', 'a', '-o', 'yaml'));
  await s.step('externalname to clusterip', n('patch', 'service', 'd', '--type=merge', '-p', '{"spec":{"type":"ClusterIP","externalName":null,"ports":[{"port":80}]}}'));
  await s.step('externalname to clusterip yaml', n('get', 'service', 'd', '-o', 'yaml'));
  await s.step('clusterip to nodeport', n('patch', 'service', 'b', '-p', '{"spec":{"type":"NodePort"}}'));
  await s.step('clusterip to nodeport ports', n('get', 'service', 'b', '-o', 'jsonpath={.spec.externalTrafficPolicy} {.spec.ports[0].name}'));
  await s.step('add a port (strategic merge by port)', n('patch', 'service', 'dns', '-p', '{"spec":{"ports":[{"name":"metrics","port":9153,"protocol":"TCP"}]}}'));
  await s.step('ports after the merge', n('get', 'service', 'dns'));
  await s.step('status: load balancer ingress', n('patch', 'service', 'c', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.99"}]}}}'));
  await s.step('load balancer with an address', n('get', 'service', 'c'));
  await s.step('set selector', n('set', 'selector', 'service', 'e', 'app=other'));
  const updates: [string, string[]][] = [
    ['a second cluster IP', ['--type=merge', '-p', '{"spec":{"clusterIPs":["%{dnsIP}","fd00::10"]}}']],
    ['require dual stack on update', ['--type=merge', '-p', '{"spec":{"ipFamilyPolicy":"RequireDualStack"}}']],
    ['change the families', ['--type=merge', '-p', '{"spec":{"ipFamilies":["IPv6"]}}']],
    ['a node port on a cluster IP service', ['--type=json', '-p', '[{"op":"add","path":"/spec/ports/0/nodePort","value":30077}]']],
    ['headless to none of both', ['--type=merge', '-p', '{"spec":{"clusterIP":"None","clusterIPs":["None"]}}']],
    ['to external name keeping the IP', ['--type=merge', '-p', '{"spec":{"type":"ExternalName","externalName":"y.example","clusterIP":"%{dnsIP}"}}']],
    ['session affinity client IP', ['-p', '{"spec":{"sessionAffinity":"ClientIP"}}']],
  ];
  await s.capture('dnsIP', n('get', 'service', 'dns', '-o', 'jsonpath={.spec.clusterIP}'));
  for (const [what, patch] of updates) await s.step(`update: ${what}`, n('patch', 'service', 'dns', ...patch));
  await s.step('updates: dns yaml', n('get', 'service', 'dns', '-o', 'jsonpath={.spec}'));
  await s.step('delete frees the address', n('delete', 'service', 'dns'));
  await s.step('the freed address again', n('apply', '-f', 'dns.json'));
  await s.step('the freed address yaml', n('get', 'service', 'dns', '-o', 'jsonpath={.spec.clusterIP}'));
}

const WEB_POD = JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
  spec: { nodeName: 'fake-node', containers: [{ name: 'main', image: 'localhost/hostprocess-base:latest', ports: [{ name: 'http', containerPort: 8080 }] }] },
}, null, 2);
// No zone label: kube-apiserver 1.36 copies a node's topology labels onto the pods bound to it (PodTopologyLabels), which hostpod does not.
const FAKE_NODE = JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'fake-node' } }, null, 2);
const status = (ip: string | undefined, ready: boolean): string => JSON.stringify({
  status: { phase: 'Running', ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

async function endpoints(s: ParitySession): Promise<void> {
  s.write('node.json', FAKE_NODE);
  s.write('web.json', WEB_POD);
  await s.step('create a node', ['create', '-f', 'node.json']);
  await s.step('create a pod', n('create', '-f', 'web.json'));
  await s.step('expose the pod', n('expose', 'pod', 'web', '--port=80', '--target-port=http', '--name=web'));
  s.write('headless-web.json', service('web-headless', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'missing', port: 81, targetPort: 'nope' }] }));
  await s.step('headless service of the pod', n('apply', '-f', 'headless-web.json'));
  s.write('published.json', service('web-published', { publishNotReadyAddresses: true, selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }));
  await s.step('service publishing not-ready addresses', n('apply', '-f', 'published.json'));
  await s.settle('endpoints', n('get', 'endpoints', 'web', 'web-headless', 'web-published'), ok);
  await s.settle('endpoint slices', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web-published', '-o', 'name'), (run) => run.stdout.trim() !== '');
  await s.step('pending pod: endpoints', n('get', 'endpoints'));
  await s.step('pending pod: endpoints yaml', n('get', 'endpoints', 'web', '-o', 'yaml'));
  // Listed a Service at a time: a list is in name order, and the names' random suffixes would order them.
  await s.step('pending pod: slices', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name in (web-headless,web-published)'));
  await s.step('pending pod: slice of web', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web'));
  await s.step('pending pod: slice yaml', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'yaml'));
  await s.step('pending pod: describe', n('describe', 'service', 'web', '--show-events=false'));

  await s.step('the pod gets an address, not ready', n('patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', status('192.0.2.20', false)));
  await s.settle('not-ready address', n('get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[0].notReadyAddresses[0].ip}'), (run) => run.stdout.trim() === '192.0.2.20');
  await s.settle('not-ready slice', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[0].endpoints[0].addresses[0]}'), (run) => run.stdout.trim() === '192.0.2.20');
  await s.step('not ready: endpoints', n('get', 'endpoints'));
  await s.step('not ready: endpoints yaml', n('get', 'endpoints', 'web', 'web-published', '-o', 'yaml'));
  await s.step('not ready: slices yaml', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[0].endpoints} {.items[0].ports}'));

  await s.step('the pod turns ready', n('patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', status('192.0.2.20', true)));
  await s.settle('ready address', n('get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[0].addresses[0].ip}'), (run) => run.stdout.trim() === '192.0.2.20');
  await s.settle('ready slice', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[0].endpoints[0].conditions.ready}'), (run) => run.stdout.trim() === 'true');
  await s.settle('ready headless slice', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web-headless', '-o', 'jsonpath={.items[0].endpoints[0].conditions.ready}'), (run) => run.stdout.trim() === 'true');
  await s.step('ready: endpoints', n('get', 'endpoints'));
  await s.step('ready: endpoints yaml', n('get', 'endpoints', 'web', 'web-headless', '-o', 'yaml'));
  await s.step('ready: slices', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name in (web-headless,web-published)'));
  await s.step('ready: slice of web', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'wide'));
  await s.step('ready: slice yaml', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web-headless', '-o', 'yaml'));
  await s.step('ready: describe', n('describe', 'service', 'web', '--show-events=false'));
  await s.step('ready: describe endpoints', n('describe', 'endpoints', 'web'));
  await s.step('ready: describe endpointslice', n('describe', 'endpointslices', '-l', 'kubernetes.io/service-name=web'));
  await s.step('ready: endpoints wide', n('get', 'endpoints', 'web', '-o', 'wide'));
  await s.step('ready: endpoints by name', n('get', 'endpoints', 'web', '-o', 'name'));

  await s.step('the pod goes', n('delete', 'pod', 'web', '--grace-period=0', '--force'));
  await s.settle('no addresses', n('get', 'endpoints', 'web', '-o', 'jsonpath={.subsets}'), (run) => run.code === 0 && run.stdout.trim() === '');
  await s.settle('empty slice', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'jsonpath={.items[0].endpoints[0].addresses}'), (run) => run.code === 0 && run.stdout.trim() === '');
  await s.step('pod gone: endpoints', n('get', 'endpoints', 'web'));
  await s.step('pod gone: slices', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web'));

  s.write('manual.json', [
    service('manual', { ports: [{ name: 'http', port: 80 }] }),
    JSON.stringify({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual', namespace: NS }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ name: 'http', port: 8080 }] }] }, null, 2),
  ].join('\n'));
  // One address: upstream's mirroring controller orders a slice's endpoints at random.
  await s.step('user-managed endpoints', n('apply', '-f', 'manual.json'));
  await s.settle('mirrored slice', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=manual', '-o', 'name'), (run) => run.stdout.trim() !== '');
  await s.step('user-managed endpoints stay', n('get', 'endpoints', 'manual', '-o', 'yaml'));
  await s.step('mirrored slice', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=manual', '-o', 'yaml'));
  await s.step('describe mirrored slice', n('describe', 'endpointslices', '-l', 'kubernetes.io/service-name=manual'));
  await s.step('describe user endpoints', n('describe', 'endpoints', 'manual'));
  await s.step('describe with user endpoints', n('describe', 'service', 'manual', '--show-events=false'));
  s.write('loopback.json', JSON.stringify({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'loop', namespace: NS }, subsets: [{ addresses: [{ ip: '127.0.0.1' }, { ip: '169.254.1.1' }, { ip: 'x' }], ports: [{ port: 0, protocol: 'ICMP' }, { port: 80 }] }] }, null, 2));
  await s.step('invalid endpoints', n('create', '-f', 'loopback.json'));
  s.write('bad-slice.json', JSON.stringify({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'bad-slice', namespace: NS }, addressType: 'IPv4', endpoints: [{ addresses: [] }, { addresses: ['127.0.0.1', 'fe80::1'] }], ports: [{ name: 'a', protocol: 'ICMP' }, { name: 'a' }] }, null, 2));
  await s.step('invalid endpoint slice', n('create', '-f', 'bad-slice.json'));

  await s.step('delete the service', n('delete', 'service', 'web'));
  await s.settle('endpoints gone', n('get', 'endpoints', 'web', '-o', 'name'), (run) => run.code !== 0);
  await s.settle('slices gone', n('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'name'), (run) => run.code === 0 && run.stdout.trim() === '');
  await s.step('service gone: endpoints', n('get', 'endpoints', 'web'));
  await s.step('delete the node', ['delete', 'node', 'fake-node']);
}

paritySuite({
  title: 'services parity: Services, Endpoints and EndpointSlices on the real control plane and on hostpod up',
  skip, known: KNOWN, kubectls: [KUBECTL],
  session: { rewrite: normalizeServices },
  run: async (session) => {
    for (const section of [kubernetesService, createEachType, requested, invalid, updates, endpoints]) await section(session);
  },
});
