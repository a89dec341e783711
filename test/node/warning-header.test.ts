/** Warning headers read as client-go reads them (kubectl's `Warning:` lines). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warningTexts } from '../../src/node/kube-client/warning-header.js';

const rows: [name: string, values: string[], texts: string[]][] = [
  ['one warning per header', ['299 - "a"', '299 - "b"'], ['a', 'b']],
  ['quotes and backslashes escaped', ['299 - "would violate PodSecurity \\"restricted:latest\\": C:\\\\x"'], ['would violate PodSecurity "restricted:latest": C:\\x']],
  ['several in one header, with a date', ['299 - "a, still a", 299 k8s "b" "Tue, 15 Nov 1994 08:12:31 GMT"'], ['a, still a', 'b']],
  ['codes other than 299 are skipped', ['199 - "stale"', '299 - "kept"'], ['kept']],
  ['UTF-8 that arrived as Latin-1 is decoded', [Buffer.from('299 - "café"').toString('latin1')], ['café']],
  ['what does not parse is kept whole', ['not a warning'], ['not a warning']],
];
for (const [name, values, texts] of rows) {
  test(`warningTexts: ${name}`, () => assert.deepEqual(warningTexts(values), texts));
}
