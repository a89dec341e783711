/** `hostpod agent`'s flags: a bad value is a usage error (exit 2) that names the flag, the value and the fix. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runHostpod } from '../support/hostpod-cli.js';

for (const [value, why] of [
  ['bad', /taint "bad" has no effect/],
  ['k=v:Sometimes', /taint "k=v:Sometimes" has an unknown effect "Sometimes"/],
] as const) {
  test(`hostpod agent --register-with-taints ${value} is a usage error naming the taint and the form`, async () => {
    const result = await runHostpod(['agent', '--kubeconfig', '/nonexistent', '--register-with-taints', value]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /option '--register-with-taints <taints>' argument '.*' is invalid/);
    assert.match(result.stderr, why);
    assert.match(result.stderr, /write each taint as key=value:Effect/);
  });
}
