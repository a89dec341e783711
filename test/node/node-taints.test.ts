import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatTaint, HOSTPROCESS_TAINT, parseTaints } from '../../src/node/node-taints.js';

describe('--register-with-taints', () => {
  test('parses the kubelet\'s form: key=value:Effect and key:Effect, comma-separated; "" is none', () => {
    assert.deepEqual(parseTaints('hostpod.io/hostprocess=true:NoSchedule,dedicated:NoExecute'), [
      { key: 'hostpod.io/hostprocess', value: 'true', effect: 'NoSchedule' },
      { key: 'dedicated', effect: 'NoExecute' },
    ]);
    assert.deepEqual(parseTaints(''), []);
    assert.equal(formatTaint(HOSTPROCESS_TAINT), 'hostpod.io/hostprocess=true:NoSchedule');
    assert.deepEqual(parseTaints(formatTaint(HOSTPROCESS_TAINT)), [HOSTPROCESS_TAINT]);
  });

  for (const [flag, why] of [
    ['dedicated=x', /taint "dedicated=x" has no effect/],
    ['dedicated=x:Never', /has an unknown effect "Never"/],
    ['-bad=x:NoSchedule', /has an invalid key "-bad"/],
    ['a/b/c:NoSchedule', /has an invalid key "a\/b\/c"/],
    ['k=has space:NoSchedule', /has an invalid value "has space"/],
    ['k=a=b:NoSchedule', /has more than one "="/],
    ['k=a:NoSchedule,k=b:NoSchedule', /taint "k=b:NoSchedule" is given twice/],
  ] as const) {
    test(`refuses ${flag} naming the taint and the fix`, () => {
      assert.throws(() => parseTaints(flag), (error: Error & { hint?: string }) => {
        assert.match(error.message, /^--register-with-taints: /);
        assert.match(error.message, why);
        assert.match(error.hint ?? '', /key=value:Effect/);
        return true;
      });
    });
  }
});
