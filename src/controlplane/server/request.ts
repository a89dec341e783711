/** Reading request bodies and query parameters, with the API server's limits and errors. */
import type { IncomingMessage } from 'node:http';
import { JsonNumber, JsonSyntaxError, parseJson as parseGoJson } from '../../api/json/index.js';
import { decodeFailure, decodeObject, isStrictError } from '../../api/schema.js';
import { badRequest, StatusError } from '../api/status-error.js';
import { decodeProtobuf, PROTOBUF } from './protobuf.js';

/** kube-apiserver's limit on a request body (3 MiB objects, plus room for patches). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new StatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Decodes a create/update body: JSON, or the Protobuf that kubectl 1.32+'s typed clients send.
 * @throws StatusError 415 for other media types
 */
export async function decodeBody(request: IncomingMessage, body: Buffer): Promise<unknown> {
  const type = (request.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type === PROTOBUF) return await decodeProtobuf(body);
  if (type === 'application/json' || type === '' || type === '*/*') return parseBody(body, 'the request body');
  if (type === 'application/yaml') throw new StatusError(415, 'UnsupportedMediaType', 'hostpod reads request bodies as JSON: send Content-Type: application/json');
  throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, ${PROTOBUF}`);
}

/**
 * Parses a JSON body as kube-apiserver's decoder reads it: int64 values exact, duplicate keys
 * recorded for strict decoding, at most 10,000 levels of nesting (see src/api/json).
 * @throws StatusError 400 with Go's syntax error
 */
function parseBody(body: Buffer, what: string): unknown {
  // Invalid UTF-8 becomes U+FFFD, as Go's decoder reads it inside strings.
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest(`${what} is empty`);
  try {
    return parseGoJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw badRequest(`error decoding ${what} as JSON: ${error.message}`);
    throw error;
  }
}

/**
 * Parses the body of a DELETE (its only caller): a DeleteOptions, decoded by type as
 * kube-apiserver decodes it (preconditions.uid a string, gracePeriodSeconds an int64), then
 * handed to a reader that takes its fields as plain JavaScript values: an int64 kept exact (a
 * BigInt) becomes a number, which rounds beyond 2^53 (and deletion clamps back into range).
 * @throws StatusError 400 with Go's syntax error, or a field of the wrong type
 */
export function parseJson(body: Buffer, what = 'the DeleteOptions'): unknown {
  const parsed = parseBody(body, what);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return parsed;
  const decoded = decodeObject('v1', 'DeleteOptions', parsed as Record<string, unknown>);
  const failures = decoded.errors.filter((e) => !isStrictError(e));
  if (failures.length > 0) throw badRequest(`DeleteOptions in version "v1" cannot be handled as a DeleteOptions: ${decodeFailure(failures)}`);
  const options = decoded.object;
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'bigint' || value instanceof JsonNumber) options[key] = Number(value);
  }
  return options;
}

/**
 * An integer query parameter: an int64, as kube-apiserver's parameter codec parses it (a value
 * beyond 2^53 rounds to the nearest number).
 * @throws StatusError 400 for a value that is not an integer or is beyond int64
 */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^[+-]?\d+$/.test(value)) throw badRequest(`invalid value for ${name}: "${value}": must be an integer`);
  const integer = BigInt(value);
  if (integer < -(2n ** 63n) || integer > 2n ** 63n - 1n) throw badRequest(`invalid value for ${name}: "${value}": value out of range for a 64-bit integer`);
  return Number(integer);
}

export function boolParam(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === 'true' || value === '1';
}
