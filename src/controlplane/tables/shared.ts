// Pieces every printer shares: reading plain JSON, column definitions, ages, label and selector formatting.
import { onceForFrozen } from '../store/index.js';
import type { TableColumn, TableRowCondition } from './table.js';

export type JsonObject = Record<string, unknown>;

/** The cells (and row conditions) one object contributes to a table. */
export interface PrintedRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

/** The columns of a resource's table and the function that fills one row. */
export interface ResourcePrinter {
  readonly columns: readonly TableColumn[];
  row(object: JsonObject, now: Date): PrintedRow;
}

/** The value as an object, or an empty one when it is anything else. */
export function record(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

/** Whether a field is set: the JSON form of a Go pointer that is not nil. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The value as an object when it is set, else undefined. */
export function optional(value: unknown): JsonObject | undefined {
  return isSet(value) ? record(value) : undefined;
}

/** The value as an array, or an empty one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** The value as a string, or '' (Go's zero value). */
export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The value as a number, or 0 (Go's zero value). */
export function integer(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** How many keys a map field holds (0 when absent). */
export function size(value: unknown): number {
  return Object.keys(record(value)).length;
}

/** The object's metadata.name. */
export function nameOf(object: JsonObject): string {
  return text(record(object['metadata'])['name']);
}

/** A column definition; priority 1 columns are the ones kubectl shows only with -o wide. */
export function column(name: string, type: string, description: string, priority = 0, format = ''): TableColumn {
  return { name, type, format, description, priority };
}

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

export const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const NAME_COLUMN = column('Name', 'string', NAME_DESCRIPTION, 0, 'name');
export const AGE_COLUMN = column('Age', 'string', CREATION_TIMESTAMP_DESCRIPTION);

// Go's zero time.Time (0001-01-01T00:00:00Z), which IsZero() treats like an unset timestamp.
const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined for a missing or zero time. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms === GO_ZERO_TIME ? undefined : ms;
}

/** apimachinery's duration.HumanDuration of a duration in milliseconds: ~2-3 significant figures, "<invalid>" below -1s. */
export function humanDuration(ms: number): string {
  // Go's int(d.Seconds()) and d / time.Minute truncate toward zero.
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** The printers' translateTimestampSince: the age of a timestamp, "<unknown>" when it is unset. */
export function since(timestamp: number | undefined, now: Date): string {
  return timestamp === undefined ? '<unknown>' : humanDuration(now.getTime() - timestamp);
}

/** The creation times of frozen metadata (the store's shared objects, which no one changes), by metadata. */
const frozenCreationTimes = new WeakMap<JsonObject, number | undefined>();

/** The age cell of an object: time since metadata.creationTimestamp. */
export function ageOf(object: JsonObject, now: Date): string {
  return since(creationTime(record(object['metadata'])), now);
}

/** metadata.creationTimestamp parsed, once for a frozen (shared) object's: each list printed each row's anew. */
function creationTime(metadata: JsonObject): number | undefined {
  return onceForFrozen(frozenCreationTimes, metadata, (m) => parseTime(m['creationTimestamp']));
}

/** labels.FormatLabels: sorted "k=v" pairs joined by commas, "<none>" when empty. */
export function formatLabels(labels: unknown): string {
  const pairs = Object.entries(record(labels)).map(([key, value]) => `${key}=${text(value)}`);
  // Go sorts the joined "key=value" strings, not the keys.
  pairs.sort(compareBytes);
  return pairs.length === 0 ? '<none>' : pairs.join(',');
}

/** metav1.FormatLabelSelector: a LabelSelector in selector syntax, "<none>" when empty or absent, "<error>" when invalid. */
export function formatLabelSelector(selector: unknown): string {
  if (selector === undefined || selector === null) return '<none>';
  const requirements: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(record(record(selector)['matchLabels']))) {
    requirements.push({ key, text: `${key}=${text(value)}` });
  }
  for (const expression of list(record(selector)['matchExpressions'])) {
    const requirement = expressionText(record(expression));
    if (requirement === undefined) return '<error>';
    requirements.push(requirement);
  }
  // labels.Selector.Add sorts requirements by key.
  requirements.sort((a, b) => compareBytes(a.key, b.key));
  const result = requirements.map((requirement) => requirement.text).join(',');
  return result === '' ? '<none>' : result;
}

function expressionText(expression: JsonObject): { key: string; text: string } | undefined {
  const key = text(expression['key']);
  const values = list(expression['values']).map(text);
  switch (text(expression['operator'])) {
    case 'In':
    case 'NotIn': {
      if (values.length === 0) return undefined;
      const operator = text(expression['operator']) === 'In' ? 'in' : 'notin';
      return { key, text: `${key} ${operator} (${[...values].sort(compareBytes).join(',')})` };
    }
    case 'Exists':
      return values.length === 0 ? { key, text: key } : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? { key, text: `!${key}` } : undefined;
    default:
      return undefined;
  }
}

/** layoutContainerCells: container names and images, each joined by commas. */
export function containerCells(containers: unknown): [names: string, images: string] {
  const entries = list(containers).map(record);
  return [entries.map((c) => text(c['name'])).join(','), entries.map((c) => text(c['image'])).join(',')];
}

/** Go's string ordering (byte-wise), which differs from localeCompare. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
