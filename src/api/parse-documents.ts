import { parseDocument, type ScalarTag, type Tags } from 'yaml';
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
  /** 0-based index among the non-empty documents of the source. */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  value: unknown;
}

/** A document that could not be parsed. Line and column are 1-based, relative to the whole source. */
export interface DocumentError {
  index: number;
  line: number;
  column: number;
  message: string;
}

export interface ParseResult {
  documents: ParsedDocument[];
  errors: DocumentError[];
}

/**
 * Splits a YAML stream (or a JSON document) into documents and parses each one.
 *
 * Documents are split on `---` lines first, as kubectl's YAML reader does, so one broken or
 * oversized document does not hide the others and no document is parsed that is over the size cap.
 * Scalars resolve like Kubernetes' YAML (YAML 1.1 booleans `yes`/`on`, merge keys), except that
 * timestamps and sexagesimal numbers stay strings, as they do after Kubernetes converts YAML to JSON.
 */
export function parseDocuments(text: string): ParseResult {
  const documents: ParsedDocument[] = [];
  const errors: DocumentError[] = [];
  let index = 0;
  for (const chunk of splitDocuments(text)) {
    if (isBlank(chunk.text)) continue;
    const line = chunk.firstLine + leadingBlankLines(chunk.text);
    const bytes = Buffer.byteLength(chunk.text);
    if (bytes > MAX_DOCUMENT_BYTES) {
      errors.push({
        index, line, column: 1,
        message: `document is ${formatMiB(bytes)}, more than the ${formatMiB(MAX_DOCUMENT_BYTES)} the API server accepts for one object`,
      });
      index++;
      continue;
    }
    const parsed = parseOne(chunk.text);
    if ('error' in parsed) {
      errors.push({ index, line: chunk.firstLine + parsed.line - 1, column: parsed.column, message: parsed.error });
    } else if (parsed.value !== null && parsed.value !== undefined) {
      documents.push({ index, line, value: parsed.value });
    } else {
      // A document of only comments or `~`: nothing to lint, and no index consumed.
      continue;
    }
    index++;
  }
  return { documents, errors };
}

interface Chunk {
  text: string;
  firstLine: number;
}

const SEPARATOR = /^---(?=\s|$)/;

function* splitDocuments(text: string): Generator<Chunk> {
  const lines = text.split('\n');
  let start = 0;
  let current: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (SEPARATOR.test(line)) {
      yield { text: current.join('\n'), firstLine: start + 1 };
      // Keep whatever follows the marker on its line (`--- {a: 1}` is legal), blanking the
      // marker itself so columns in error messages stay right.
      current = ['   ' + line.slice(3)];
      start = i;
    } else {
      current.push(line);
    }
  }
  yield { text: current.join('\n'), firstLine: start + 1 };
}

function isBlank(text: string): boolean {
  return /^\s*$/.test(text.replace(/^\s*#.*$/gm, ''));
}

function leadingBlankLines(text: string): number {
  let n = 0;
  for (const line of text.split('\n')) {
    if (/^\s*(#.*)?$/.test(line)) n++;
    else break;
  }
  return n;
}

// Kubernetes reads YAML with go-yaml and converts it to JSON: timestamps and `1:20`-style
// sexagesimal numbers end up as plain strings there, so they must not become Dates or numbers here.
function kubernetesTags(tags: Tags): Tags {
  return tags.filter((tag) =>
    typeof tag === 'string'
      ? !['timestamp', 'intTime', 'floatTime'].includes(tag)
      : tag.tag !== 'tag:yaml.org,2002:timestamp' && (tag as ScalarTag).format !== 'TIME');
}

function parseOne(text: string): { value: unknown } | { error: string; line: number; column: number } {
  try {
    const doc = parseDocument(text, { version: '1.1', customTags: kubernetesTags, prettyErrors: true });
    const first = doc.errors[0];
    if (first) {
      const pos = first.linePos?.[0] ?? { line: 1, col: 1 };
      return { error: firstLine(first.message), line: pos.line, column: pos.col };
    }
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown };
  } catch (error) {
    // toJS throws on alias bombs; the parser itself can throw on pathological nesting.
    const message = error instanceof RangeError ? 'document is nested too deeply' : firstLine((error as Error).message);
    return { error: message, line: 1, column: 1 };
  }
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
