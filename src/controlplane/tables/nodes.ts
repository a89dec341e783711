// Nodes: NAME STATUS ROLES AGE VERSION | INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME, as printNode.
import type { JsonObject, PrintedRow, ResourcePrinter } from './shared.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, compareBytes, list, nameOf, record, text } from './shared.js';

const ADDRESSES_DESCRIPTION =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

const NODE_COLUMNS = [
  NAME_COLUMN,
  column('Status', 'string', 'The status of the node'),
  column('Roles', 'string', 'The roles of the node'),
  AGE_COLUMN,
  column('Version', 'string', 'Kubelet Version reported by the node.'),
  column('Internal-IP', 'string', ADDRESSES_DESCRIPTION, 1),
  column('External-IP', 'string', ADDRESSES_DESCRIPTION, 1),
  column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
  column('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
  column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
];

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_ROLE_LABEL = 'kubernetes.io/role';

/** The nodes table: Ready/NotReady/Unknown plus SchedulingDisabled, roles from node-role labels. */
export const nodePrinter: ResourcePrinter = {
  columns: NODE_COLUMNS,
  row(node: JsonObject, now: Date): PrintedRow {
    const status = record(node['status']);
    const info = record(status['nodeInfo']);
    return {
      cells: [
        nameOf(node),
        nodeStatus(node),
        nodeRoles(node).join(',') || '<none>',
        ageOf(node, now),
        text(info['kubeletVersion']),
        nodeAddress(status, 'InternalIP'),
        nodeAddress(status, 'ExternalIP'),
        text(info['osImage']) || '<unknown>',
        text(info['kernelVersion']) || '<unknown>',
        text(info['containerRuntimeVersion']) || '<unknown>',
      ],
    };
  },
};

function nodeStatus(node: JsonObject): string {
  // Only the Ready condition is shown; a later duplicate overrides an earlier one, as in upstream's map.
  const ready = list(record(node['status'])['conditions'])
    .map(record)
    .filter((c) => c['type'] === 'Ready')
    .at(-1);
  const status = [ready === undefined ? 'Unknown' : ready['status'] === 'True' ? 'Ready' : 'NotReady'];
  if (record(node['spec'])['unschedulable'] === true) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeRoles(node: JsonObject): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(record(record(node['metadata'])['labels']))) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role !== '') roles.add(role);
    } else if (key === LEGACY_ROLE_LABEL && text(value) !== '') {
      roles.add(text(value));
    }
  }
  return [...roles].sort(compareBytes);
}

function nodeAddress(status: JsonObject, type: string): string {
  const address = list(status['addresses']).map(record).find((a) => a['type'] === type);
  return address === undefined ? '<none>' : text(address['address']);
}
