/**
 * A JSON parser that reads request bodies as kube-apiserver's Go decoder does, where JSON.parse
 * cannot:
 * - numbers keep what Go needs of their text: whole numbers beyond 2^53 are BigInts (exact, so
 *   an int64 such as 9223372036854775807 reads back as sent), and float syntax with a whole or
 *   out-of-range value (`1.0`, `1e308`) is a JsonNumber, which an integer field refuses;
 * - duplicate keys are recorded (the last value wins) for strict decoding to report;
 * - nesting is limited to 10,000 levels, with Go's error, and the parser itself is iterative, so
 *   no depth overflows the stack;
 * - syntax errors are worded as Go's encoding/json words them.
 *
 * Hand-written because no maintained npm parser does all of this: lossless-json (the closest)
 * throws on the first duplicate key, so it cannot warn or let the last key win, and overflows
 * the stack at 10,000 levels, as jsonc-parser does.
 */
import { recordDuplicate } from './duplicates.js';
import { JsonNumber } from './json-number.js';

/** Go's encoding/json nesting limit (and sigs.k8s.io/json's, which kube-apiserver decodes with). */
export const MAX_JSON_DEPTH = 10_000;

export interface ParseOptions {
  /** Record duplicate keys for strict decoding (default true). */
  duplicates?: boolean;
  /** Keep float-syntax whole numbers as JsonNumber (default true); false reads them as numbers. */
  numberText?: boolean;
  maxDepth?: number;
}

/** A syntax error, worded as Go's json.SyntaxError, at a character offset. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';

  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

type Container = Record<string, unknown> | unknown[];

interface Frame {
  container: Container;
  /** The key whose value is being read, for objects. */
  key: string;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Parses one JSON document.
 * @throws JsonSyntaxError for malformed JSON or nesting deeper than `maxDepth`
 */
export function parseJson(text: string, options: ParseOptions = {}): unknown {
  return new Parser(text, options).document();
}

class Parser {
  #i = 0;
  readonly #text: string;
  readonly #duplicates: boolean;
  readonly #numberText: boolean;
  readonly #maxDepth: number;

  constructor(text: string, options: ParseOptions) {
    this.#text = text;
    this.#duplicates = options.duplicates ?? true;
    this.#numberText = options.numberText ?? true;
    this.#maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  }

  document(): unknown {
    const stack: Frame[] = [];
    let value: unknown;
    this.#skipSpace();
    // Each turn reads one value (scalars whole, containers opened), then closes what it can.
    for (;;) {
      const c = this.#peek();
      if (c === 0x7b || c === 0x5b) {
        if (stack.length >= this.#maxDepth) throw this.#error(c, 'exceeded max depth');
        this.#i++;
        this.#skipSpace();
        const container: Container = c === 0x7b ? {} : [];
        const close = c === 0x7b ? 0x7d : 0x5d;
        if (this.#text.charCodeAt(this.#i) === close) {
          this.#i++;
          value = container;
        } else {
          const frame: Frame = { container, key: '' };
          if (c === 0x7b) frame.key = this.#key();
          stack.push(frame);
          this.#skipSpace();
          continue;
        }
      } else {
        value = this.#scalar(c);
      }
      // Store the value, then close every container that ends here.
      for (;;) {
        const frame = stack[stack.length - 1];
        if (frame === undefined) return this.#end(value);
        this.#store(frame, value);
        this.#skipSpace();
        const next = this.#text.charCodeAt(this.#i);
        const array = Array.isArray(frame.container);
        if (next === 0x2c) {
          this.#i++;
          this.#skipSpace();
          if (!array) frame.key = this.#key();
          this.#skipSpace();
          break;
        }
        if (next === (array ? 0x5d : 0x7d)) {
          this.#i++;
          stack.pop();
          value = frame.container;
          continue;
        }
        throw this.#error(next, array ? 'after array element' : 'after object key:value pair');
      }
    }
  }

  #store(frame: Frame, value: unknown): void {
    const { container } = frame;
    if (Array.isArray(container)) {
      container.push(value);
      return;
    }
    const key = frame.key;
    if (Object.hasOwn(container, key)) {
      if (this.#duplicates) recordDuplicate(container, key);
      container[key] = value;
    } else if (key === '__proto__') {
      // An own data property, as JSON.parse makes it, never the object's prototype.
      Object.defineProperty(container, key, { value, writable: true, enumerable: true, configurable: true });
    } else {
      container[key] = value;
    }
  }

  /** Reads `"key"` and the colon after it. */
  #key(): string {
    const c = this.#peek();
    if (c !== 0x22) throw this.#error(c, 'looking for beginning of object key string');
    const key = this.#string();
    this.#skipSpace();
    const colon = this.#peek();
    if (colon !== 0x3a) throw this.#error(colon, 'after object key');
    this.#i++;
    this.#skipSpace();
    return key;
  }

  #scalar(c: number): unknown {
    if (c === 0x22) return this.#string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.#number();
    if (c === 0x74) return this.#literal('true', true);
    if (c === 0x66) return this.#literal('false', false);
    if (c === 0x6e) return this.#literal('null', null);
    throw this.#error(c, 'looking for beginning of value');
  }

  #literal(word: string, value: unknown): unknown {
    for (let k = 1; k < word.length; k++) {
      const c = this.#text.charCodeAt(this.#i + k);
      if (c !== word.charCodeAt(k)) {
        this.#i += k;
        if (Number.isNaN(c)) throw this.#unexpectedEnd();
        throw this.#error(c, `in literal ${word} (expecting '${word[k]!}')`);
      }
    }
    this.#i += word.length;
    return value;
  }

  #number(): number | bigint | JsonNumber {
    const text = this.#text;
    const start = this.#i;
    let i = start;
    if (text.charCodeAt(i) === 0x2d) i++;
    let c = text.charCodeAt(i);
    if (c === 0x30) {
      i++;
    } else if (c >= 0x31 && c <= 0x39) {
      while ((c = text.charCodeAt(++i)) >= 0x30 && c <= 0x39);
    } else {
      this.#i = i;
      if (Number.isNaN(c)) throw this.#unexpectedEnd();
      throw this.#error(c, 'in numeric literal');
    }
    let integer = true;
    if (text.charCodeAt(i) === 0x2e) {
      integer = false;
      i++;
      i = this.#digits(i);
    }
    c = text.charCodeAt(i);
    if (c === 0x65 || c === 0x45) {
      integer = false;
      i++;
      c = text.charCodeAt(i);
      if (c === 0x2b || c === 0x2d) i++;
      i = this.#digits(i);
    }
    this.#i = i;
    const literal = text.slice(start, i);
    const value = Number(literal);
    if (integer) return Number.isSafeInteger(value) ? value : BigInt(literal);
    if (this.#numberText && (Number.isInteger(value) || !Number.isFinite(value))) return new JsonNumber(literal);
    return value;
  }

  /** One or more digits from `i`; returns the index after them. */
  #digits(i: number): number {
    const text = this.#text;
    let c = text.charCodeAt(i);
    if (!(c >= 0x30 && c <= 0x39)) {
      this.#i = i;
      if (Number.isNaN(c)) throw this.#unexpectedEnd();
      throw this.#error(c, 'in numeric literal');
    }
    while ((c = text.charCodeAt(++i)) >= 0x30 && c <= 0x39);
    return i;
  }

  #string(): string {
    const text = this.#text;
    const start = ++this.#i;
    let i = start;
    // The common case: no escape and no control character before the closing quote.
    const quote = text.indexOf('"', start);
    if (quote >= 0) {
      const plain = text.slice(start, quote);
      if (!SPECIAL_IN_STRING.test(plain)) {
        this.#i = quote + 1;
        return plain;
      }
    }
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        this.#i = i + 1;
        return text.slice(start, i);
      }
      if (c === 0x5c) break;
      if (c < 0x20) {
        this.#i = i;
        throw this.#error(c, 'in string literal');
      }
      if (Number.isNaN(c)) {
        this.#i = i;
        throw this.#unexpectedEnd();
      }
      i++;
    }
    let out = text.slice(start, i);
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        this.#i = i + 1;
        return out;
      }
      if (Number.isNaN(c)) {
        this.#i = i;
        throw this.#unexpectedEnd();
      }
      if (c < 0x20) {
        this.#i = i;
        throw this.#error(c, 'in string literal');
      }
      if (c !== 0x5c) {
        out += text[i];
        i++;
        continue;
      }
      const e = text.charCodeAt(i + 1);
      const simple = ESCAPES.get(e);
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (e === 0x75) {
        const unit = this.#hex4(i + 2);
        i += 6;
        if (unit >= 0xd800 && unit < 0xdc00 && text.charCodeAt(i) === 0x5c && text.charCodeAt(i + 1) === 0x75) {
          const low = this.#hex4(i + 2);
          if (low >= 0xdc00 && low < 0xe000) {
            out += String.fromCharCode(unit, low);
            i += 6;
            continue;
          }
        }
        // A lone surrogate is no character: Go's decoder makes it U+FFFD.
        out += unit >= 0xd800 && unit < 0xe000 ? '\ufffd' : String.fromCharCode(unit);
      } else {
        this.#i = i + 1;
        if (Number.isNaN(e)) throw this.#unexpectedEnd();
        throw this.#error(e, 'in string escape code');
      }
    }
  }

  #hex4(at: number): number {
    let unit = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.#text.charCodeAt(at + k);
      const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (digit < 0) {
        this.#i = at + k;
        if (Number.isNaN(c)) throw this.#unexpectedEnd();
        throw this.#error(c, 'in \\u hexadecimal character escape');
      }
      unit = unit * 16 + digit;
    }
    return unit;
  }

  #end(value: unknown): unknown {
    this.#skipSpace();
    if (this.#i < this.#text.length) throw this.#error(this.#text.charCodeAt(this.#i), 'after top-level value');
    return value;
  }

  #skipSpace(): void {
    while (WHITESPACE.has(this.#text.charCodeAt(this.#i))) this.#i++;
  }

  /** The next character code; at the end of the text, Go's "unexpected end of JSON input". */
  #peek(): number {
    const c = this.#text.charCodeAt(this.#i);
    if (Number.isNaN(c)) throw this.#unexpectedEnd();
    return c;
  }

  #unexpectedEnd(): JsonSyntaxError {
    return new JsonSyntaxError('unexpected end of JSON input', this.#text.length);
  }

  #error(c: number, context: string): JsonSyntaxError {
    if (Number.isNaN(c)) return this.#unexpectedEnd();
    return new JsonSyntaxError(`invalid character ${quoteChar(c)} ${context}`, this.#i);
  }
}

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const SPECIAL_IN_STRING = /[\u0000-\u001f\\]/;

const ESCAPES = new Map<number, string>([
  [0x22, '"'], [0x5c, '\\'], [0x2f, '/'], [0x62, '\b'], [0x66, '\f'], [0x6e, '\n'], [0x72, '\r'], [0x74, '\t'],
]);

/** Go's quoteChar: a character as the syntax error names it ('x', '\n', '"'). */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const quoted = JSON.stringify(String.fromCharCode(c));
  return `'${quoted.slice(1, -1)}'`;
}
