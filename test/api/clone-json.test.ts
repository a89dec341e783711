/**
 * cloneJson, the deep copy the API server makes of every object it defaults: a copy equal to the
 * value and sharing nothing with it, whatever keys the value has. semanticEqual, how the API
 * server and the controllers tell a change from none: apimachinery's semantic equality.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { cloneJson, semanticEqual } from '../../src/api/defaults/json.js';
import { parseJson, parseStoredJson, stringifyJson } from '../../src/api/json/index.js';

/** Every object and list inside `value`, itself included. */
function containers(value: unknown, found: object[] = []): object[] {
  if (typeof value !== 'object' || value === null) return found;
  found.push(value);
  for (const child of Object.values(value)) containers(child, found);
  return found;
}

describe('cloneJson', () => {
  const documents = [
    '{}', '[]', '"x"', '0', 'null', 'true',
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"},"ownerReferences":[{"uid":"u","controller":true}]},"spec":{"containers":[{"name":"c","args":["-c","x"],"resources":{}}],"tolerations":[]},"status":{"conditions":[{"type":"Ready","status":"True"}]}}',
    '{"a":[[],[{}],[[1,2],[3]]],"b":null,"c":-0.5,"d":{"e":{"f":{"g":"h"}}}}',
  ];
  for (const text of documents) {
    test(`cloneJson copies ${JSON.stringify(text.slice(0, 40))} whole, sharing no object or list with it`, () => {
      const value = JSON.parse(text) as unknown;
      const copy = cloneJson(value);
      assert.deepEqual(copy, value);
      assert.equal(JSON.stringify(copy), JSON.stringify(value));
      const originals = new Set(containers(value));
      for (const inner of containers(copy)) assert.equal(originals.has(inner), false, 'the copy shares an object with the value');
    });
  }

  test('cloneJson keeps int64 values read from the store exact', () => {
    const value = parseStoredJson('{"spec":{"n":9007199254740993,"list":[12345678901234567890]}}');
    assert.deepEqual(cloneJson(value), value);
  });

  test('cloneJson keeps a __proto__ key as an own key of the copy, never its prototype', () => {
    const value = parseJson('{"metadata":{"__proto__":{"polluted":1},"name":"p"}}') as { metadata: Record<string, unknown> };
    const copy = cloneJson(value);
    assert.equal(Object.getPrototypeOf(copy.metadata), Object.prototype);
    assert.deepEqual(Object.keys(copy.metadata), ['__proto__', 'name']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(copy.metadata, '__proto__')?.value, { polluted: 1 });
    assert.equal((copy.metadata as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });

  test('cloneJson of a frozen object is a copy that can be changed; the frozen one stays as it was', () => {
    const frozen = Object.freeze({ spec: Object.freeze({ replicas: 1, list: Object.freeze([1]) }) });
    const copy = cloneJson(frozen) as { spec: { replicas: number; list: number[] } };
    copy.spec.replicas = 2;
    copy.spec.list.push(2);
    assert.deepEqual(frozen, { spec: { replicas: 1, list: [1] } });
    assert.deepEqual(copy, { spec: { replicas: 2, list: [1, 2] } });
  });

  test('cloneJson copies what is not plain JSON (a Date) as structuredClone does', () => {
    const when = new Date('2026-01-02T03:04:05Z');
    const copy = cloneJson({ when }) as { when: unknown };
    assert.ok(copy.when instanceof Date);
    assert.notEqual(copy.when, when);
    assert.equal(copy.when.getTime(), when.getTime());
  });
});

/**
 * semanticEqual's definition, as an oracle: the encodings of the two values once normalized
 * (keys sorted; unset fields, empty lists and objects of nothing else left out).
 */
function normalizedText(value: unknown): string | undefined {
  const normalize = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(normalize);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) {
      const child = normalize((v as Record<string, unknown>)[key]);
      const empty = child === undefined || child === null || (Array.isArray(child) ? child.length === 0 : typeof child === 'object' && Object.keys(child).length === 0);
      if (!empty) out[key] = child;
    }
    return out;
  };
  return stringifyJson(normalize(value));
}

describe('semanticEqual', () => {
  /** A small random JSON value, from few keys and leaves so that pairs often come out alike. */
  function randomValue(random: () => number, depth = 0): unknown {
    const leaves: unknown[] = [null, undefined, 0, -0, 1, 1.5, '', 'x', '1', true, false, 5n, Number.NaN];
    const pick = random();
    if (depth >= 3 || pick < 0.45) return leaves[Math.floor(random() * leaves.length)];
    if (pick < 0.7) return Array.from({ length: Math.floor(random() * 3) }, () => randomValue(random, depth + 1));
    const object: Record<string, unknown> = {};
    for (const key of ['a', 'b', 'c']) if (random() < 0.5) object[key] = randomValue(random, depth + 1);
    return object;
  }
  /** The value with some fields changed, emptied or added empty. */
  function variant(value: unknown, random: () => number): unknown {
    if (Array.isArray(value)) return (value as unknown[]).map((item) => (random() < 0.2 ? variant(item, random) : item));
    if (typeof value !== 'object' || value === null) return random() < 0.3 ? randomValue(random, 2) : value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).reverse()) out[key] = random() < 0.2 ? variant((value as Record<string, unknown>)[key], random) : (value as Record<string, unknown>)[key];
    if (random() < 0.3) out[['a', 'b', 'c', 'd'][Math.floor(random() * 4)]!] = [undefined, null, [], {}, { e: null }][Math.floor(random() * 5)];
    return out;
  }

  test('semanticEqual agrees with its definition on 20,000 pairs of random values', () => {
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let alike = 0;
    for (let i = 0; i < 20_000; i++) {
      const a = randomValue(random);
      const b = random() < 0.5 ? variant(a, random) : randomValue(random);
      const expected = normalizedText(a) === normalizedText(b);
      if (expected) alike++;
      assert.equal(semanticEqual(a, b), expected, `semanticEqual(${inspect(a)}, ${inspect(b)})`);
      assert.equal(semanticEqual(b, a), expected, `semanticEqual(${inspect(b)}, ${inspect(a)})`);
    }
    // Both answers are well represented, so neither a constant true nor a constant false passes.
    assert.ok(alike > 2_000 && alike < 18_000, `${alike} of 20,000 pairs alike`);
  });

  test('semanticEqual: an absent field, null, an empty list and an empty map are the same; list order matters', () => {
    assert.equal(semanticEqual({ a: 1, b: null, c: [], d: {}, e: { f: null } }, { a: 1 }), true);
    assert.equal(semanticEqual({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } }), true);
    assert.equal(semanticEqual({ a: [1, 2] }, { a: [2, 1] }), false);
    assert.equal(semanticEqual({ a: [null] }, { a: [] }), false);
    assert.equal(semanticEqual({ a: '1' }, { a: 1 }), false);
    assert.equal(semanticEqual({ a: 5n }, { a: 5 }), true);
    assert.equal(semanticEqual([], {}), false);
  });
});
