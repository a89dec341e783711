/**
 * Decoding batch/v1 Jobs and CronJobs from Protobuf, as `kubectl create job` (and `--from=cronjob`)
 * and `kubectl create cronjob` send them, and Pods as `kubectl debug node/NAME` (1.32+) sends them: the messages of protobuf-batch-types.ts, turned into the
 * JSON the API server would have been sent (times as RFC 3339, quantities and int-or-strings as
 * their JSON forms, embedded structs inlined, Go's omitted zero values left out). A field this
 * table does not know is refused rather than dropped.
 */
import type protobuf from 'protobufjs';
import { badRequest, StatusError } from '../api/status-error.js';
import { BATCH_MESSAGES, POINTER_FIELDS } from './protobuf-batch-types.js';

/** The kinds decoded here, by their message's name. */
export const BATCH_KINDS: ReadonlyMap<string, string> = new Map([['Job', 'batch_v1_Job'], ['CronJob', 'batch_v1_CronJob'], ['Pod', 'core_v1_Pod']]);

// Go structs embedded in their parent, whose fields JSON writes at the parent's level.
const INLINE = new Set(['handler', 'ephemeralContainerCommon', 'volumeSource']);

let loaded: { pb: typeof protobuf; root: protobuf.Root } | undefined;

async function types(): Promise<{ pb: typeof protobuf; root: protobuf.Root }> {
  if (!loaded) {
    const { default: pb } = await import('protobufjs');
    loaded = { pb, root: pb.Root.fromJSON({ nested: BATCH_MESSAGES }) };
  }
  return loaded;
}

/** The path of the first field the messages do not know, if any. */
function unknownField(pb: typeof protobuf, type: protobuf.Type, bytes: Uint8Array, path: string): string | undefined {
  const reader = pb.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const [id, wire] = [tag >>> 3, tag & 7];
    const field = type.fieldsById[id];
    if (!field) return `${path} (field ${id})`;
    const nested = field.resolvedType;
    if (wire === 2 && !field.map && nested && 'fieldsById' in nested) {
      const found = unknownField(pb, nested, reader.bytes(), `${path}.${field.name}`);
      if (found) return found;
    } else {
      reader.skipType(wire);
    }
  }
  return undefined;
}

/** The JSON form of a decoded message of `type`. */
function toJson(type: protobuf.Type, message: Record<string, unknown>): unknown {
  switch (type.name) {
    case 'meta_v1_Time':
      // A zero time is an empty message (Go's Time.Marshal), null in JSON.
      return message['seconds'] === undefined ? undefined : new Date(Number(message['seconds']) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    case 'api_resource_Quantity':
      return message['string'] ?? '';
    case 'util_intstr_IntOrString':
      return Number(message['type'] ?? 0) === 1 ? (message['strVal'] ?? '') : (message['intVal'] ?? 0);
    case 'meta_v1_FieldsV1':
      return JSON.parse(Buffer.from(typeof message['Raw'] === 'string' ? message['Raw'] : '', 'base64').toString('utf8') || '{}') as unknown;
    default:
      break;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    const field = type.fields[key];
    const nested = field?.resolvedType && 'fieldsById' in field.resolvedType ? (field.resolvedType) : undefined;
    let json: unknown;
    if (field?.map) {
      json = nested ? Object.fromEntries(Object.entries(value as Record<string, Record<string, unknown>>).map(([k, v]) => [k, toJson(nested, v)])) : value;
      if (Object.keys(json as object).length === 0) continue;
    } else if (Array.isArray(value)) {
      if (value.length === 0) continue;
      json = nested ? value.map((v: Record<string, unknown>) => toJson(nested, v)) : value;
    } else if (nested) {
      json = toJson(nested, value as Record<string, unknown>);
      if (json === undefined) continue;
      if (INLINE.has(key) && json && typeof json === 'object') {
        Object.assign(out, json);
        continue;
      }
      // A struct present is kept even empty: Go writes a non-pointer struct (and a set pointer to one) in JSON too.
    } else {
      // Go writes every non-pointer field; JSON leaves out its zero values (omitempty). A set
      // pointer's false or 0 stays; an empty string is left out either way (no field cares).
      if (value === '' || ((value === 0 || value === false) && !POINTER_FIELDS.has(key))) continue;
      json = value;
    }
    out[key] = json;
  }
  return out;
}

/**
 * The JSON object of a Protobuf Job or CronJob (`raw`, the envelope's inner bytes).
 * @throws StatusError 400 for a broken body, 415 for a field hostpod does not know
 */
export async function decodeBatch(kind: string, apiVersion: string, raw: Uint8Array): Promise<Record<string, unknown>> {
  const { pb, root } = await types();
  const type = root.lookupType(BATCH_KINDS.get(kind) ?? '');
  const unknown = unknownField(pb, type, raw, kind);
  if (unknown) throw new StatusError(415, 'UnsupportedMediaType', `hostpod cannot read ${unknown} from Protobuf; send the ${kind} as JSON (Content-Type: application/json)`);
  let message: Record<string, unknown>;
  try {
    message = type.toObject(type.decode(raw), { longs: Number, bytes: String });
  } catch (error) {
    throw badRequest(`the Protobuf ${kind} cannot be decoded: ${(error as Error).message}`);
  }
  return { apiVersion, kind, ...(toJson(type, message) as Record<string, unknown>) };
}
