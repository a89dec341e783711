import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HostpodError, isHostpodError } from '../errors.js';
import { describe } from './describe.js';
import { fieldLocator, type Position } from './locate-field.js';
import { iterateDocuments } from './parse-documents.js';
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
  /** Where a field of the object is in its file (YAML only), e.g. `spec.containers[0].args`; not enumerable. */
  locate?: (field: string) => Position | undefined;
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

/** One item of a manifest stream: an object, or what could not be read. */
export type ManifestItem = { type: 'object'; object: ManifestObject } | { type: 'problem'; problem: LoadProblem };

/**
 * Reads the objects of manifest files, directories (their .yaml, .yml and .json files, in name
 * order, symlinked files included) and standard input (`-`), one at a time: multi-document YAML,
 * JSON and `kind: List` are expanded into one object each. Only one document is parsed at a time,
 * so a consumer that does not keep the objects uses memory bounded by the largest document.
 * Nothing here throws on bad input: each unreadable file and unparsable document becomes a
 * problem and the rest is still read.
 */
export async function* readManifests(paths: readonly string[], options: LoadOptions = {}): AsyncGenerator<ManifestItem> {
  for (const path of paths) {
    const problems: LoadProblem[] = [];
    const files = await expand(path, options.recursive ?? false, problems);
    for (const problem of problems) yield { type: 'problem', problem };
    for (const file of files) yield* readFile(file, options.stdin);
  }
}

/** Reads everything at once: for tests, benchmarks and small inputs. */
export async function loadManifests(paths: readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  const result: LoadResult = { objects: [], problems: [] };
  for await (const item of readManifests(paths, options)) {
    if (item.type === 'object') result.objects.push(item.object);
    else result.problems.push(item.problem);
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
    const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const files: string[] = [];
    for (const entry of entries) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        if (recursive) files.push(...(await expand(full, recursive, problems)));
      } else if (MANIFEST_EXTENSIONS.test(entry.name) && (entry.isFile() || (entry.isSymbolicLink() && (await isFileTarget(full))))) {
        // Symlinked files count (a ConfigMap mounted as a directory is all symlinks); symlinked
        // directories are not descended, as kubectl -R does not follow them either.
        files.push(full);
      }
    }
    return files;
  } catch (error) {
    problems.push({ file: path, message: `cannot read directory ${path}: ${(error as Error).message}` });
    return [];
  }
}

async function isFileTarget(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return true; // a dangling link: reading it reports the problem with its path.
  }
}

async function* readFile(file: string, stdin: Readable | undefined): AsyncGenerator<ManifestItem> {
  let text: string;
  try {
    text = (await readSource(file, stdin)).text;
  } catch (error) {
    if (!isHostpodError(error)) throw error;
    yield { type: 'problem', problem: { file, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } };
    return;
  }
  for (const doc of iterateDocuments(text)) {
    if (doc.type === 'error') {
      yield { type: 'problem', problem: { file, index: doc.index, line: doc.line, column: doc.column, message: doc.message } };
      continue;
    }
    const where = { file, index: doc.index, line: doc.line };
    let objects: Array<{ object: Record<string, unknown>; item?: number }>;
    try {
      objects = flatten(doc.value);
    } catch (error) {
      if (!isHostpodError(error)) throw error;
      yield { type: 'problem', problem: { ...where, column: 1, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } };
      continue;
    }
    // Items of nested Lists are numbered in flattened order, which is no path: those go unlocated.
    const items = (doc.value as Record<string, unknown>)['items'];
    const nested = Array.isArray(items) && items.some((i) => typeof i === 'object' && i !== null && isList(i as Record<string, unknown>));
    const source = nested ? undefined : doc.source;
    for (const object of objects) {
      const locate = source ? fieldLocator(source.text, source.firstLine, object.item === undefined ? [] : ['items', object.item]) : undefined;
      const manifest: ManifestObject = { ...where, ...object };
      // Not enumerable: a locator is a way to look, not part of what was read (copies and
      // comparisons of ManifestObjects leave it out).
      if (locate) Object.defineProperty(manifest, 'locate', { value: locate, enumerable: false });
      yield { type: 'object', object: manifest };
    }
  }
}

function flatten(value: unknown): Array<{ object: Record<string, unknown>; item?: number }> {
  const object = asObject(value, 'document');
  if (!isList(object)) return [{ object }];
  const items = object['items'];
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) {
    throw new HostpodError('ERR_HOSTPOD_MANIFEST', `${String(object['kind'])}.items is ${describe(items)}, not a list of objects`);
  }
  // Lists inside lists are flattened, as kubectl does; items are numbered in the flattened order.
  const flat = items.flatMap((item, i) =>
    isList(asObject(item, `${String(object['kind'])}.items[${i}]`)) ? flatten(item) : [{ object: item as Record<string, unknown> }]);
  return flat.map((entry, i) => ({ object: entry.object, item: i }));
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
