/**
 * What differs between two control planes' Services by chance: the cluster IPs and node ports
 * their allocators picked at random (from the upper part of each range; the lower part, which
 * a session requests from, is left alone), and the API server's port that the `kubernetes`
 * Service targets. Each distinct value becomes a numbered placeholder, so sameness is kept.
 */

// 10.96.0.0/12 beyond its first 256 addresses (the static band a session requests from).
const CLUSTER_IP = /\b10\.(?:9[6-9]|10\d|11[01])\.\d{1,3}\.\d{1,3}\b/g;
// A node port in YAML or JSON, in the PORT(S) column (80:30763/TCP) and in describe's NodePort
// line; and a health check node port in YAML, JSON and describe.
const NODE_PORT = /("?nodePort"?:\s*|\d:|NodePort:\s+\S+\s+|"?healthCheckNodePort"?:\s*|HealthCheck NodePort:\s+)(\d{5})\b/g;
// The API server's port, which the kubernetes Service targets: an ephemeral one.
const API_PORT = /("?targetPort"?:\s*|TargetPort:\s+)(\d{5})\b/g;

const STATIC_NODE_PORTS = 30086;
const EPHEMERAL_PORTS = 32768;

/** The output with randomly allocated cluster IPs and node ports, and the API server's port, replaced. */
export function normalizeServices(text: string): string {
  const ips = new Map<string, number>();
  const ports = new Map<string, number>();
  const number = (seen: Map<string, number>, value: string): number => {
    if (!seen.has(value)) seen.set(value, seen.size + 1);
    return seen.get(value)!;
  };
  return text
    .replace(CLUSTER_IP, (ip) => (ip.startsWith('10.96.0.') ? ip : `<cluster-ip-${number(ips, ip)}>`))
    .replace(NODE_PORT, (whole, before: string, port: string) =>
      Number(port) >= STATIC_NODE_PORTS && Number(port) < EPHEMERAL_PORTS ? `${before}<node-port-${number(ports, port)}>` : whole)
    .replace(API_PORT, (whole, before: string, port: string) => (Number(port) >= EPHEMERAL_PORTS ? `${before}<api-port>` : whole));
}
