import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HostpodError, isHostpodError } from '../errors.js';
import { describe } from './describe.js';
import { parseDocuments } from './parse-documents.js';
import { readSource } from './read-source.js';

/** One object read from a manifest. */
export interface ManifestObject {
  /** The file it came from (`-` for standard input). */
  file: string;
  /** 0-based index of its document in the file. */
  index: number;
  /** 0-based index in the `items` of a `List` document; absent otherwise. */
  item?: number;
  /** 1-based line where its document starts. */
  line: number;
  object: Record<string, unknown>;
}

/** A file or document that could not be read or parsed: nothing in it was linted. */
export interface LoadProblem {
  file: string;
  index?: number;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

export interface LoadResult {
  objects: ManifestObject[];
  problems: LoadProblem[];
}

export interface LoadOptions {
  /** Descend into subdirectories of directory arguments, as `kubectl -R` does. */
  recursive?: boolean;
  /** Where `-` reads from; process.stdin by default. */
  stdin?: Readable;
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/**
 * Loads the objects of manifest files, directories (their .yaml, .yml and .json files, in name
 * order) and standard input (`-`). Multi-document YAML, JSON and `kind: List` are expanded into
 * one ManifestObject per object. Nothing here throws on bad input: each unreadable file and
 * unparsable document becomes a LoadProblem and the rest is still loaded.
 */
export async function loadManifests(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const result: LoadResult = { objects: [], problems: [] };
  for (const path of paths) {
    for (const file of await expand(path, options.recursive ?? false, result.problems)) {
      await loadFile(file, options.stdin, result);
    }
  }
  return result;
}

async function expand(path: string, recursive: boolean, problems: LoadProblem[]): Promise<string[]> {
  if (path === '-') return ['-'];
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    return [path]; // readSource reports the reason with the path.
  }
  if (!isDirectory) return [path];
  try {
    const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    const files: string[] = [];
    for (const entry of entries) {
      const full = join(path, entry.name);
      if (entry.isDirectory() && recursive) files.push(...(await expand(full, recursive, problems)));
      else if (entry.isFile() && MANIFEST_EXTENSIONS.test(entry.name)) files.push(full);
    }
    return files;
  } catch (error) {
    problems.push({ file: path, message: `cannot read directory ${path}: ${(error as Error).message}` });
    return [];
  }
}

async function loadFile(file: string, stdin: Readable | undefined, result: LoadResult): Promise<void> {
  let text: string;
  try {
    text = (await readSource(file, stdin)).text;
  } catch (error) {
    if (!isHostpodError(error)) throw error;
    result.problems.push({ file, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    return;
  }
  const parsed = parseDocuments(text);
  for (const e of parsed.errors) {
    result.problems.push({ file, index: e.index, line: e.line, column: e.column, message: e.message });
  }
  for (const doc of parsed.documents) {
    const where = { file, index: doc.index, line: doc.line };
    try {
      for (const object of flatten(doc.value)) result.objects.push({ ...where, ...object });
    } catch (error) {
      if (!isHostpodError(error)) throw error;
      result.problems.push({ ...where, column: 1, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    }
  }
}

function flatten(value: unknown): Array<{ object: Record<string, unknown>; item?: number }> {
  const object = asObject(value, 'document');
  if (isList(object)) {
    const items = object['items'];
    if (items === undefined || items === null) return [];
    if (!Array.isArray(items)) {
      throw new HostpodError('ERR_HOSTPOD_MANIFEST', `${String(object['kind'])}.items is ${describe(items)}, not a list of objects`);
    }
    return items.map((item, i) => ({ object: asObject(item, `${String(object['kind'])}.items[${i}]`), item: i }));
  }
  return [{ object }];
}

// kubectl treats any kind ending in "List" that has items as a list of objects.
function isList(object: Record<string, unknown>): boolean {
  const kind = object['kind'];
  return typeof kind === 'string' && kind.endsWith('List') && 'items' in object;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new HostpodError('ERR_HOSTPOD_MANIFEST', `${what} is ${describe(value)}, not a Kubernetes object`, {
    hint: 'each document must be a mapping with apiVersion, kind and metadata',
  });
}
