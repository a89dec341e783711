/**
 * The representations an object or a list is sent in (JSON, Table, PartialObjectMetadata), as
 * JSON text. Every object-to-JSON encoding goes through the store's `encodeObject`; an object
 * sent as it is goes out as its stored text, unencoded.
 */
import type { ListedItem } from '../api/list-stream.js';
import { metaOf, type Obj } from '../api/object-meta.js';
import { groupVersion, type ResourceDefinition } from '../resources/index.js';
import { encodeObject, type Derivation } from '../store/index.js';
import { toTable, type TableMetadata } from '../tables/index.js';
import type { Representation } from './negotiation.js';

/** One object as the client asked for it (a Table of one row, its metadata, or itself). */
export function represent(info: ResourceDefinition, stored: Obj, representation: Representation, query: URLSearchParams, now: Date): unknown {
  const object = info.present ? info.present(stored) : stored;
  if (representation.type === 'table') {
    const table = toTable(info, [object], now, { metadata: { resourceVersion: metaOf(object).resourceVersion ?? '' } });
    return { ...table, rows: table.rows.map((row) => withRowObject(row, query)) };
  }
  if (representation.type === 'partial-metadata') return partialMetadata(object);
  return object;
}

/** A list's JSON text in three parts: what precedes the items, each item, and what follows them. */
export interface ListFormat {
  head: string;
  item(listed: ListedItem): string;
  tail: string;
}

/** How a list is written in `representation`, with `metadata` (resourceVersion, continue). */
export function listFormat(info: ResourceDefinition, representation: Representation, query: URLSearchParams, now: Date, metadata: TableMetadata): ListFormat {
  // Each head is the encoding of the list with no items, cut before its closing `]}`: the items
  // array is the last member, as in the whole-list encoding, so the content is the same.
  const headOf = (empty: Record<string, unknown>): string => encodeObject(empty).slice(0, -2);
  if (representation.type === 'table') {
    return {
      head: headOf({ ...toTable(info, [], now, { metadata }), rows: [] }),
      item: (listed) => tableRow(info, listed, query, now),
      tail: ']}',
    };
  }
  if (representation.type === 'partial-metadata') {
    return {
      head: headOf({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items: [] }),
      item: (listed) => listed.derived(partialMetadataText),
      tail: ']}',
    };
  }
  const item = info.present ? (listed: ListedItem): string => encodeObject(shown(info, listed.object())) : (listed: ListedItem): string => listed.text;
  return { head: headOf({ kind: `${info.kind}List`, apiVersion: groupVersion(info), metadata, items: [] }), item, tail: ']}' };
}

/** Whether `listFormat` reads every item's object (not only its stored text). */
export function listUsesObjects(info: ResourceDefinition, representation: Representation): boolean {
  return representation.type === 'table' || representation.type === 'partial-metadata' || info.present !== undefined;
}

/**
 * How a watch writes its events' objects. `key` names the encoding when it is the same for every
 * watch, so that one event is encoded once however many watches send it.
 */
export interface EventEncoder {
  readonly key: string | undefined;
  /** Whether it reads each event's object, not only its stored text (as `listUsesObjects`). */
  readonly objects: boolean;
  object(item: ListedItem): string;
}

/** The encoder of a watch's events; a Table's column definitions come with its first event only, as kube-apiserver sends them. */
export function eventEncoder(info: ResourceDefinition, representation: Representation, query: URLSearchParams): EventEncoder {
  if (representation.type === 'partial-metadata') return { key: 'partial', objects: true, object: (item) => item.derived(partialMetadataText) };
  if (representation.type !== 'table') {
    // An object shown otherwise than stored is encoded once per version it is shown in.
    if (info.present) return { key: `json:${groupVersion(info)}`, objects: true, object: (item) => encodeObject(shown(info, item.object())) };
    return { key: 'json', objects: false, object: (item) => item.text };
  }
  let first = true;
  return {
    key: undefined,
    objects: true,
    object(item) {
      const object = shown(info, item.object());
      const table = toTable(info, [object], new Date(), { noHeaders: !first, metadata: { resourceVersion: metaOf(object).resourceVersion ?? '' } });
      first = false;
      return encodeObject({ ...table, rows: table.rows.map((row) => withRowObject(row, query)) });
    },
  };
}

/** The row's `object` as `includeObject` asks: None, Metadata (the default) or Object. */
export function withRowObject<T extends { object: Obj }>(row: T, query: URLSearchParams): Omit<T, 'object'> & { object?: unknown } {
  const include = query.get('includeObject') ?? 'Metadata';
  if (include === 'Object') return row;
  const { object, ...rest } = row;
  if (include === 'None') return rest;
  return { ...rest, object: partialMetadata(object) };
}

/**
 * One row of a listed Table, encoded. With the row's object as its metadata (includeObject's
 * default), that part is the same on every list of the same stored object, so it is encoded once
 * and kept with the object (`derived`); the cells are not, as AGE depends on the time.
 */
function tableRow(info: ResourceDefinition, listed: ListedItem, query: URLSearchParams, now: Date): string {
  const row = toTable(info, [shown(info, listed.object())], now, { noHeaders: true }).rows[0]!;
  // A shown object is a copy made for this read (`present`): its metadata is encoded with it.
  if ((query.get('includeObject') ?? 'Metadata') !== 'Metadata' || info.present) return encodeObject(withRowObject(row, query));
  const cells = encodeObject(row.conditions === undefined ? { cells: row.cells } : { cells: row.cells, conditions: row.conditions });
  // The same text as the whole row's encoding: `object` is its last member.
  return `${cells.slice(0, -1)},"object":${listed.derived(partialMetadataText)}}`;
}

/** An object's PartialObjectMetadata, encoded: it depends on the object alone. */
const partialMetadataText: Derivation = (object) => encodeObject(partialMetadata(object));

/** A stored object as the resource shows it (`present`). */
function shown(info: ResourceDefinition, object: Obj): Obj {
  return info.present ? info.present(object) : object;
}

export function partialMetadata(object: Obj): Obj {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object['metadata'] ?? {} };
}
