// Services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, and SELECTOR with -o wide, as printService.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, list, nameOf, record, text } from './shared.js';

/** A label map as labels.FormatLabels writes it (sorted keys), `<none>` when empty. */
export function formatSelector(selector: unknown): string {
  const entries = Object.entries(record(selector)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${text(v)}`).join(',');
}

function loadBalancerAddresses(status: JsonObject, wide: boolean): string {
  const addresses = list(record(status['loadBalancer'])['ingress']).map((ingress) => text(record(ingress)['ip']) || text(record(ingress)['hostname'])).filter((a) => a !== '');
  const joined = addresses.join(',');
  return !wide && joined.length > 16 ? `${joined.slice(0, 13)}...` : joined;
}

/** getServiceExternalIP: external IPs, the load balancer's addresses or <pending>, the external name. */
function externalIP(service: JsonObject, wide: boolean): string {
  const spec = record(service['spec']);
  const externalIPs = list(spec['externalIPs']).map(text);
  switch (text(spec['type'])) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const balancer = loadBalancerAddresses(record(service['status']), wide);
      if (externalIPs.length > 0) return [...(balancer ? balancer.split(',') : []), ...externalIPs].join(',');
      return balancer || '<pending>';
    }
    case 'ExternalName':
      return text(spec['externalName']);
    default:
      return '<unknown>';
  }
}

function portsOf(spec: JsonObject): string {
  const ports = list(spec['ports']).map((p) => {
    const port = record(p);
    const nodePort = typeof port['nodePort'] === 'number' && port['nodePort'] > 0 ? `:${port['nodePort']}` : '';
    return `${typeof port['port'] === 'number' ? port['port'] : 0}${nodePort}/${text(port['protocol'])}`;
  });
  return ports.length === 0 ? '<none>' : ports.join(',');
}

/** The services table. */
export const servicePrinter: ResourcePrinter = {
  columns: [
    NAME_COLUMN,
    column('Type', 'string', 'The type of the service.'),
    column('Cluster-IP', 'string', 'The IP address of the service.'),
    column('External-IP', 'string', 'The external IP address of the service.'),
    column('Port(s)', 'string', 'The ports of the service.'),
    AGE_COLUMN,
    column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  row(service: JsonObject, now: Date): PrintedRow {
    const spec = record(service['spec']);
    const clusterIPs = list(spec['clusterIPs']).map(text);
    const clusterIP = clusterIPs[0] ?? '<none>';
    return { cells: [nameOf(service), text(spec['type']), clusterIP, externalIP(service, false), portsOf(spec), ageOf(service, now), formatSelector(spec['selector'])] };
  },
};
