import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  duplicateFieldPaths, duplicateKeys, JsonNumber, JsonSyntaxError, MAX_JSON_DEPTH, nestingDepth, parseJson, parseStoredJson, stringifyJson,
} from '../../src/api/json/index.js';

const nested = (open: string, close: string, depth: number, inner = ''): string => open.repeat(depth) + inner + close.repeat(depth);

describe('json parsing', () => {
  const documents = [
    '{}', '[]', '0', '-0', '"x"', 'true', 'false', 'null', ' {"a" : [1, 2.5, "s", null, true, {"b": {}}]} ',
    '{"esc":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"}', '{"__proto__":{"polluted":1},"constructor":2}', '"caf\u00e9 \u{1F600}"',
    '[1e2, 1E-2, 0.5, -3, 123456789012345]', '{"a":1,"b":{"c":[[],[{}]]}}',
  ];
  for (const text of documents) {
    test(`json parsing reads ${JSON.stringify(text.slice(0, 40))} as JSON.parse does`, () => {
      const parsed = parseJson(text, { numberText: false });
      assert.deepEqual(parsed, JSON.parse(text));
      assert.equal(stringifyJson(parsed), JSON.stringify(JSON.parse(text)));
    });
  }

  test('json parsing keeps a __proto__ key as an own key', () => {
    const parsed = parseJson('{"__proto__":{"x":1}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    assert.deepEqual(Object.keys(parsed), ['__proto__']);
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  });

  const numbers: [string, unknown][] = [
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
    ['99999999999999999999999', 99999999999999999999999n],
    ['9007199254740991', 9007199254740991],
    ['9007199254740992', 9007199254740992n],
    ['30', 30],
    ['1.5', 1.5],
    ['1.0', new JsonNumber('1.0')],
    ['1e3', new JsonNumber('1e3')],
    ['1e308', new JsonNumber('1e308')],
    ['1e400', new JsonNumber('1e400')],
    ['-1e-400', new JsonNumber('-1e-400')],
  ];
  for (const [text, expected] of numbers) {
    test(`json parsing reads the number ${text} exactly enough for Go's integer decoding`, () => {
      assert.deepEqual(parseJson(text), expected);
    });
  }

  test('json parsing keeps int64 values exact through the encoder and the store reader', () => {
    const text = '{"spec":{"terminationGracePeriodSeconds":9223372036854775807,"x":[-9223372036854775808,1.5,2]}}';
    const parsed = parseJson(text);
    assert.equal(stringifyJson(parsed), text);
    assert.deepEqual(parseStoredJson(stringifyJson(parsed)), parsed);
    assert.deepEqual(parseStoredJson('{"a":1,"b":"x"}'), { a: 1, b: 'x' });
  });

  const errors: [string, string][] = [
    ['', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['{"a":1', 'unexpected end of JSON input'],
    ['"abc', 'unexpected end of JSON input'],
    ['x', "invalid character 'x' looking for beginning of value"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['{} {}', "invalid character '{' after top-level value"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['-', 'unexpected end of JSON input'],
    ['-a', "invalid character 'a' in numeric literal"],
    ['1.', 'unexpected end of JSON input'],
    ['1.e3', "invalid character 'e' in numeric literal"],
    ['01', "invalid character '1' after top-level value"],
    ['tru', 'unexpected end of JSON input'],
    ['trux', "invalid character 'x' in literal true (expecting 'e')"],
    ['nul!', "invalid character '!' in literal null (expecting 'l')"],
  ];
  for (const [text, message] of errors) {
    test(`json parsing refuses ${JSON.stringify(text)} with Go's "${message}"`, () => {
      assert.throws(() => parseJson(text), (e: unknown) => e instanceof JsonSyntaxError && e.message === message);
    });
  }

  test('json parsing admits 10,000 levels of nesting and refuses 10,001 with Go\'s error', () => {
    assert.equal(nestingDepth(parseJson(nested('[', ']', MAX_JSON_DEPTH))), MAX_JSON_DEPTH);
    assert.equal(nestingDepth(parseJson(nested('{"a":', '}', MAX_JSON_DEPTH - 1, '{}'))), MAX_JSON_DEPTH);
    assert.throws(() => parseJson(nested('[', ']', MAX_JSON_DEPTH + 1)), { message: "invalid character '[' exceeded max depth" });
    assert.throws(() => parseJson(nested('{"a":', '}', MAX_JSON_DEPTH, '{}')), { message: "invalid character '{' exceeded max depth" });
    assert.throws(() => parseJson(nested('[', ']', 1_000_000)), { message: "invalid character '[' exceeded max depth" });
  });

  test('json parsing lets the last of duplicate keys win and records them where they repeat', () => {
    const parsed = parseJson('{"spec":{"a":{"x":1,"x":2},"paused":true,"paused":false,"list":[{"n":1,"n":2,"n":3}]},"kind":"A","kind":"B"}') as Record<string, Record<string, unknown>>;
    assert.equal(parsed['kind'], 'B');
    assert.equal(parsed['spec']!['paused'], false);
    assert.deepEqual(duplicateKeys(parsed['spec']!), ['paused']);
    assert.deepEqual(duplicateFieldPaths(parsed), ['spec.a.x', 'spec.paused', 'spec.list[0].n', 'kind']);
    assert.deepEqual(duplicateFieldPaths(parseJson('[{"op":"add","path":"/a","path":"/b"}]')), ['[0].path']);
    assert.deepEqual(duplicateFieldPaths(parseJson('{"a":1,"a":2}', { duplicates: false })), []);
  });
});

describe('json encoding', () => {
  test('json encoding writes BigInts as digits and float-syntax numbers as numbers', () => {
    assert.equal(stringifyJson({ a: 9223372036854775807n, b: [1n, -2n], c: new JsonNumber('1e3'), d: 'x' }), '{"a":9223372036854775807,"b":[1,-2],"c":1000,"d":"x"}');
  });

  test('json encoding follows JSON.stringify for what it refuses to encode natively', () => {
    const date = new Date(0);
    const rest = { date, u: undefined, f: () => 1, list: [undefined, () => 1, NaN, Infinity, -0], nested: { toJSON: () => ({ ok: true }) }, s: 'q"\n' };
    assert.equal(stringifyJson({ big: 1n, ...rest }), JSON.stringify({ big: 1, ...rest }));
    assert.throws(() => {
      const cyclic: Record<string, unknown> = { n: 1n };
      cyclic['self'] = cyclic;
      stringifyJson(cyclic);
    }, TypeError);
  });

  test('json encoding writes any depth the parser admits', () => {
    const text = nested('{"a":', '}', MAX_JSON_DEPTH - 1, '[9223372036854775807]');
    assert.equal(stringifyJson(parseJson(text)), text);
    const arrays = nested('[', ']', MAX_JSON_DEPTH);
    assert.equal(stringifyJson(parseJson(arrays)), arrays);
  });
});
