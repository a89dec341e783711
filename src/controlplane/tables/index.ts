// Server-side table printers for `kubectl get` (Accept: application/json;as=Table;v=v1;g=meta.k8s.io).
export { toTable } from './table.js';
export type { Printable, Table, TableColumn, TableMetadata, TableOptions, TableRow, TableRowCondition } from './table.js';
export type { ResourcePrinter } from './shared.js';
export { humanDuration } from './shared.js';
