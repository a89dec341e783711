/** The Summary API's `usageNanoCores`: a CPU rate from two readings of a cumulative counter. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CpuRates } from '../../src/node/cpu-rates.js';

describe('CPU rates', () => {
  test('the first reading has none; the next is the counter\'s growth over the time between them', () => {
    const rates = new CpuRates();
    assert.equal(rates.rate('c', 5e9, 10_000), undefined);
    // Half a core: 1 s of CPU over 2 s.
    assert.equal(rates.rate('c', 6e9, 12_000), 5e8);
  });

  test('a reading within a second keeps the last rate and the kept reading', () => {
    const rates = new CpuRates();
    rates.rate('c', 0, 0);
    assert.equal(rates.rate('c', 2e9, 1000), 2e9);
    assert.equal(rates.rate('c', 2.1e9, 1500), 2e9);
    // Measured from the reading at 1000, not the one at 1500.
    assert.equal(rates.rate('c', 3e9, 2000), 1e9);
  });

  test('a counter that goes back (a new instance) starts over, and forgotten keys start over', () => {
    const rates = new CpuRates();
    rates.rate('c', 9e9, 0);
    assert.equal(rates.rate('c', 1e9, 500), undefined);
    assert.equal(rates.rate('c', 1.5e9, 1500), 5e8);
    rates.retain(new Set(['other']));
    assert.equal(rates.rate('c', 2e9, 3000), undefined);
  });
});
