import { isMap, isScalar, LineCounter, parseDocument, visit, type ScalarTag, type Tags } from 'yaml';
import { parseJson } from './json/index.js';
import { formatMiB } from './read-source.js';

/**
 * The largest single object hostpod parses. kube-apiserver refuses request bodies over 3 MiB
 * (and etcd objects over 1.5 MiB), so a bigger document could never be applied anyway; refusing
 * it before parsing keeps memory bounded on hostile input.
 */
export const MAX_DOCUMENT_BYTES = 3 * 1024 * 1024;

/** More aliases than this in one document is treated as a "billion laughs" attack. */
export const MAX_ALIAS_COUNT = 100;

/** One parsed YAML or JSON document. */
export interface ParsedDocument {
  type: 'document';
  /** 0-based index among the non-empty documents of the source. */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  value: unknown;
  /** The YAML text of the document and its first line in the source, for finding fields in it (not for JSON streams). */
  source?: { text: string; firstLine: number };
}

/** A document that could not be parsed. Line and column are 1-based, relative to the whole source. */
export interface DocumentError {
  type: 'error';
  index: number;
  line: number;
  column: number;
  message: string;
}

/**
 * Splits a YAML stream (or JSON) into documents and parses them one at a time, lazily, so that
 * only one document's parse tree is alive at once however large the source.
 *
 * Documents are split on `---` lines first, as kubectl's YAML reader does, so one broken or
 * oversized document does not hide the others and no document over the size cap is parsed.
 * Scalars resolve like Kubernetes' YAML (YAML 1.1 booleans `yes`/`on`, merge keys), except that
 * timestamps and sexagesimal numbers stay strings, as they do after Kubernetes converts YAML to
 * JSON. A sequence of concatenated JSON objects is accepted, as kubectl accepts it.
 */
export function* iterateDocuments(text: string): Generator<ParsedDocument | DocumentError> {
  let index = 0;
  for (const chunk of splitDocuments(text)) {
    const blank = blankLinesBefore(chunk.text);
    if (blank === undefined) continue;
    const line = chunk.firstLine + blank;
    const bytes = Buffer.byteLength(chunk.text);
    if (bytes > MAX_DOCUMENT_BYTES) {
      yield {
        type: 'error', index: index++, line, column: 1,
        message: `document is ${formatMiB(bytes)}, more than the ${formatMiB(MAX_DOCUMENT_BYTES)} the API server accepts for one object`,
      };
      continue;
    }
    const parsed = parseOne(chunk.text);
    if ('error' in parsed) {
      // JSON with a repeated key is read as kube-apiserver reads a request body: the last value
      // wins and the repeat is recorded, for strict decoding to report ("duplicate field").
      const values = looksLikeJSON(chunk.text) ? parseJSONStream(chunk.text, parsed.duplicate === true) : undefined;
      if (values) {
        for (const value of values) yield { type: 'document', index: index++, line, value };
        continue;
      }
      yield { type: 'error', index: index++, line: chunk.firstLine + parsed.line - 1, column: parsed.column, message: parsed.error };
    } else if (parsed.value !== null && parsed.value !== undefined) {
      yield { type: 'document', index: index++, line, value: parsed.value, source: { text: chunk.text, firstLine: chunk.firstLine } };
    }
    // A document of only comments or `~` has nothing to lint and takes no index.
  }
}

/** All documents and errors of `text` at once: for small inputs and tests. */
export function parseDocuments(text: string): { documents: ParsedDocument[]; errors: DocumentError[] } {
  const documents: ParsedDocument[] = [];
  const errors: DocumentError[] = [];
  for (const item of iterateDocuments(text)) (item.type === 'document' ? documents : errors).push(item as never);
  return { documents, errors };
}

interface Chunk {
  text: string;
  firstLine: number;
}

const SEPARATOR = /^---(?=\s|$)/;

// Scans line by line without splitting the whole source into an array, yielding each document as
// a slice: a large source is never copied whole.
function* splitDocuments(text: string): Generator<Chunk> {
  let chunkStart = 0;
  let chunkLine = 1;
  let prefix = '';
  let lineStart = 0;
  let lineNumber = 1;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    if (text.startsWith('---', lineStart) && SEPARATOR.test(text.slice(lineStart, Math.min(lineEnd, lineStart + 4)))) {
      // Without the newline that ends the last line, so an error at the end of a document points
      // at its last line rather than at the separator.
      yield { text: prefix + text.slice(chunkStart, Math.max(chunkStart, lineStart - 1)), firstLine: chunkLine };
      // Keep whatever follows the marker on its line (`--- {a: 1}` is legal), blanking the
      // marker itself so that columns in error messages stay right.
      prefix = '   ';
      chunkStart = lineStart + 3;
      chunkLine = lineNumber;
    }
    if (newline === -1) break;
    lineStart = newline + 1;
    lineNumber++;
  }
  yield { text: prefix + text.slice(chunkStart, text.endsWith('\n') ? Math.max(chunkStart, text.length - 1) : text.length), firstLine: chunkLine };
}

/**
 * How many lines at the start of `text` hold only whitespace or a comment; undefined when all of
 * them do. A plain loop, not a regular expression: the obvious pattern backtracks exponentially.
 */
function blankLinesBefore(text: string): number | undefined {
  let n = 0;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end === -1 ? text.length : end).trimStart();
    if (line !== '' && !line.startsWith('#')) return n;
    if (end === -1) return undefined;
    n++;
    start = end + 1;
  }
}

// Kubernetes reads YAML with go-yaml and converts it to JSON: timestamps and `1:20`-style
// sexagesimal numbers end up as plain strings there, so they must not become Dates or numbers
// here; `!!binary` decodes to the text it encodes rather than to bytes.
function kubernetesTags(tags: Tags): Tags {
  const kept = tags.filter((tag) =>
    typeof tag === 'string'
      ? !['timestamp', 'intTime', 'floatTime', 'binary'].includes(tag)
      : tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.tag !== 'tag:yaml.org,2002:binary' && (tag as ScalarTag).format !== 'TIME');
  const binary: ScalarTag = {
    tag: 'tag:yaml.org,2002:binary',
    resolve: (source: string) => Buffer.from(source.replace(/\s+/g, ''), 'base64').toString('utf8'),
  };
  return [...kept, binary];
}

function parseOne(text: string): { value: unknown } | { error: string; line: number; column: number; duplicate?: boolean } {
  try {
    const lineCounter = new LineCounter();
    // uniqueKeys is off because the library's check is quadratic in the keys of a map (a 3 MiB map
    // takes minutes); duplicateKey below does the same check in linear time.
    const doc = parseDocument(text, {
      version: '1.1', customTags: kubernetesTags, prettyErrors: true, uniqueKeys: false, logLevel: 'error', lineCounter,
    });
    const first = doc.errors[0];
    if (first) {
      const pos = first.linePos?.[0] ?? { line: 1, col: 1 };
      return { error: errorMessage(first.message), line: pos.line, column: pos.col };
    }
    const duplicate = duplicateKey(doc, lineCounter);
    if (duplicate) return { ...duplicate, duplicate: true };
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown };
  } catch (error) {
    // toJS throws on alias bombs.
    return { error: errorMessage((error as Error).message), line: 1, column: 1 };
  }
}

function duplicateKey(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter): { error: string; line: number; column: number } | undefined {
  let found: { error: string; line: number; column: number } | undefined;
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return undefined;
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (key === '<<') continue; // merge keys may repeat
        if (seen.has(key)) {
          const pos = lineCounter.linePos(pair.key.range?.[0] ?? 0);
          found = { error: `Map keys must be unique: "${key}" is repeated`, line: pos.line, column: pos.col };
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

function errorMessage(message: string): string {
  if (/call stack/i.test(message)) return 'document is nested too deeply';
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function looksLikeJSON(text: string): boolean {
  return /^\s*[{[]/.test(text);
}

/**
 * Splits concatenated JSON values (`{...}{...}` or one per line) and parses each, recording
 * repeated keys as the API server's decoder does. Hand-written because JSON.parse takes exactly
 * one value; this only finds where each value ends.
 * @param single whether one value is enough (the YAML parser refused it only for a repeated key)
 * @returns undefined when the text is not such a stream.
 */
function parseJSONStream(text: string, single: boolean): unknown[] | undefined {
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}' || ch === ']') {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) {
        try {
          values.push(parseJson(text.slice(start, i + 1), { numberText: false }));
        } catch {
          return undefined;
        }
      }
    } else if (depth === 0 && !/\s/.test(ch ?? '')) {
      return undefined;
    }
  }
  return depth === 0 && values.length > (single ? 0 : 1) ? values : undefined;
}
