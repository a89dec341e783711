// The meta.k8s.io/v1 Table that kube-apiserver returns for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
import { defaultPrinter } from './default.js';
import type { ResourcePrinter } from './shared.js';

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object: Record<string, unknown>;
}

export interface TableMetadata {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableMetadata;
  /** null when the caller asked for no headers: upstream's field has no omitempty, so Go writes `null`. */
  columnDefinitions: TableColumn[] | null;
  rows: TableRow[];
}

export interface TableOptions {
  /** Leave out the column definitions, as kube-apiserver does for every watch event after the first. */
  noHeaders?: boolean;
  /** The list's metadata (or, for a single object, its resourceVersion), copied onto the table. */
  metadata?: TableMetadata;
}

/** What a table is built for: a resource with its printer, or without one. */
export interface Printable {
  readonly printer?: ResourcePrinter;
}

/**
 * Builds the Table for objects of a resource with the resource's printer (its definition's
 * `printer`); a resource without one gets the apiserver's default table, Name and Created At.
 */
export function toTable(resource: Printable, objects: readonly Record<string, unknown>[], now: Date, options: TableOptions = {}): Table {
  const printer = resource.printer ?? defaultPrinter;
  const rows = objects.map((object): TableRow => {
    const { cells, conditions } = printer.row(object, now);
    return conditions === undefined ? { cells, object } : { cells, conditions, object };
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata(options.metadata),
    // The server always generates the wide form; kubectl hides priority > 0 columns itself unless -o wide.
    columnDefinitions: options.noHeaders === true ? null : printer.columns.map((column) => ({ ...column })),
    rows,
  };
}

// Go's ListMeta drops empty fields (omitempty), so only set values are copied.
function listMetadata(metadata: TableMetadata | undefined): TableMetadata {
  const result: TableMetadata = {};
  if (metadata?.resourceVersion) result.resourceVersion = metadata.resourceVersion;
  if (metadata?.continue) result.continue = metadata.continue;
  if (metadata?.remainingItemCount !== undefined) result.remainingItemCount = metadata.remainingItemCount;
  return result;
}
