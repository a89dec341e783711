import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseQuantity } from '../../src/api/quantity.js';

describe('quantities', () => {
  const canonical: Array<[unknown, number, string]> = [
    ['500m', 0.5, '500m'], ['-0.5', -0.5, '-500m'], ['2048Mi', 2 ** 31, '2Gi'], ['1.5Gi', 1.5 * 2 ** 30, '1536Mi'],
    ['1000', 1000, '1k'], ['2000m', 2, '2'], ['1e3', 1000, '1e3'], ['0.1m', 0.0001, '100u'], ['512', 512, '512'],
    [2, 2, '2'], [0.25, 0.25, '250m'], [' 1Ki ', 1024, '1Ki'], ['0', 0, '0'],
  ];
  for (const [input, value, text] of canonical) {
    test(`${JSON.stringify(input)} is ${text}`, () => assert.deepEqual(parseQuantity(input), { value, canonical: text }));
  }

  test('the three decoder errors', () => {
    assert.deepEqual(parseQuantity('1Gb'), { error: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" });
    assert.deepEqual(parseQuantity('512mi'), { error: "unable to parse quantity's suffix" });
    assert.deepEqual(parseQuantity('Pi'), { error: 'unable to parse numeric part of quantity' });
  });

  test('a second decimal point is malformed, not a bad number (Go parses one point, then the suffix)', () => {
    assert.deepEqual(parseQuantity('1.5.5Gi'), { error: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" });
  });

  test('missing digits are 0, as Go parses them, except on the Pi and Ei path', () => {
    for (const input of ['.', '-', '+', 'Gi', '.Mi']) assert.deepEqual(parseQuantity(input), { value: 0, canonical: '0' }, input);
    assert.ok('error' in parseQuantity('-.Ei'));
  });

  test('text Go finds canonical as written is kept, as String() returns it', () => {
    for (const input of ['1E0', '010', '+5', '1e+3', '1.Gi']) assert.equal((parseQuantity(input) as { canonical: string }).canonical, input);
    assert.equal((parseQuantity('1000m') as { canonical: string }).canonical, '1');
  });
});
