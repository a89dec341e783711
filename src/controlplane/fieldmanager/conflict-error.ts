/** kube-apiserver's 409 for an apply's conflicts, which kubectl prints with its advice. */
import { StatusError } from '../api/status-error.js';
import type { Conflict } from './field-manager.js';
import type { ManagerEntry } from './managed-fields.js';
import { pathString } from './path-element.js';

/** A manager as conflicts name it: `"kubectl-set" using apps/v1`, `"m" with subresource "scale" using apps/v1`, `"kubectl"`. */
export function describeManager(entry: ManagerEntry): string {
  let text = JSON.stringify(entry.manager);
  if (entry.subresource) text += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') text += ` using ${entry.apiVersion}`;
  return text;
}

/** The identity upstream sorts conflicting managers by: the JSON of their entry without fields and time. */
function identity(entry: ManagerEntry): string {
  return JSON.stringify({
    ...(entry.manager ? { manager: entry.manager } : {}), operation: entry.operation,
    ...(entry.operation === 'Update' && entry.apiVersion ? { apiVersion: entry.apiVersion } : {}),
    ...(entry.subresource ? { subresource: entry.subresource } : {}),
  });
}

/** 409 Conflict: `Apply failed with 1 conflict: conflict with "kubectl-set" using apps/v1: .spec.replicas`. */
export function conflictError(conflicts: readonly Conflict[]): StatusError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(c.entry)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0]!.entry)}: ${pathString(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, { entry: ManagerEntry; paths: string[] }>();
    for (const c of conflicts) {
      const id = identity(c.entry);
      const group = byManager.get(id) ?? { entry: c.entry, paths: [] };
      group.paths.push(pathString(c.path));
      byManager.set(id, group);
    }
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      const group = byManager.get(id)!;
      lines.push(`conflicts with ${describeManager(group.entry)}:`, ...group.paths.map((p) => `- ${p}`));
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}
