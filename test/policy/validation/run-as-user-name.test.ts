import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FieldPath } from '../../../src/policy/field.js';
import { validateRunAsUserName, validateWindowsOptions } from '../../../src/policy/validation/index.js';
import { rendered } from '../../helpers.js';

const path = FieldPath.of(['spec', 'securityContext', 'windowsOptions', 'runAsUserName']);
const messages = (name: string): string[] => validateRunAsUserName(name, path).map((e) => e.detail);

describe('runAsUserName', () => {
  const valid = [
    'NT AUTHORITY\\SYSTEM', 'NT AUTHORITY\\Local service', 'NT AUTHORITY\\NetworkService', 'hpc-localgroup',
    'CONTOSO\\svc-agent', 'corp.example.com\\agent', 'a'.repeat(104), `${'d'.repeat(15)}\\user`,
  ];
  for (const name of valid) {
    test(`accepts ${JSON.stringify(name)}`, () => assert.deepEqual(messages(name), []));
  }

  test('rejects an empty string', () => {
    assert.deepEqual(messages(''), ['runAsUserName cannot be an empty string']);
  });

  test('rejects control characters', () => {
    assert.deepEqual(messages('NT AUTHORITY\\SYS\nTEM'), ['runAsUserName cannot contain control characters']);
    assert.deepEqual(messages('user\x7f'), ['runAsUserName cannot contain control characters']);
  });

  test('rejects two backslashes', () => {
    assert.deepEqual(messages('a\\b\\c'), ['runAsUserName cannot contain more than one backslash']);
  });

  test('rejects a domain of 256 characters or more', () => {
    assert.deepEqual(messages(`${'a'.repeat(256)}\\user`), [
      "runAsUserName's Domain length must be under 256 characters",
      "runAsUserName's Domain doesn't match the NetBios nor the DNS format",
    ]);
  });

  test('rejects a domain in neither NetBIOS nor DNS form', () => {
    assert.deepEqual(messages('.corp\\user'), ["runAsUserName's Domain doesn't match the NetBios nor the DNS format"]);
    assert.deepEqual(messages('a:b\\user'), ["runAsUserName's Domain doesn't match the NetBios nor the DNS format"]);
    assert.deepEqual(messages('\\user'), ["runAsUserName's Domain doesn't match the NetBios nor the DNS format"]);
    // 16 characters is too long for NetBIOS but fine as a DNS label.
    assert.deepEqual(messages(`${'d'.repeat(16)}\\user`), []);
    assert.deepEqual(messages(`${'d'.repeat(15)}_\\user`), ["runAsUserName's Domain doesn't match the NetBios nor the DNS format"]);
  });

  test('rejects an empty user', () => {
    assert.deepEqual(messages('DOMAIN\\'), ["runAsUserName's User cannot be empty"]);
  });

  test('rejects a user over 104 characters', () => {
    assert.deepEqual(messages('a'.repeat(105)), ["runAsUserName's User length must not be longer than 104 characters"]);
  });

  test('rejects a user of only periods or spaces', () => {
    assert.deepEqual(messages('. .'), ["runAsUserName's User cannot contain only periods or spaces"]);
  });

  test('rejects each forbidden user character', () => {
    for (const ch of '"/:;|=,+*?<>@[]') {
      assert.deepEqual(messages(`us${ch}er`), [`runAsUserName's User cannot contain the following characters: "/\\:;|=,+*?<>@[]`], ch);
    }
  });

  test('reports the field path and the value', () => {
    assert.deepEqual(rendered(validateRunAsUserName('a\\b\\c', path)), [
      'spec.securityContext.windowsOptions.runAsUserName: Invalid value: "a\\\\b\\\\c": runAsUserName cannot contain more than one backslash',
    ]);
  });

  test('container-level windowsOptions are validated at their own path', () => {
    const p = FieldPath.of(['spec', 'containers']).index(1).child('securityContext', 'windowsOptions');
    assert.deepEqual(rendered(validateWindowsOptions({ runAsUserName: '' }, p)), [
      'spec.containers[1].securityContext.windowsOptions.runAsUserName: Invalid value: "": runAsUserName cannot be an empty string',
    ]);
  });

  test('gmsaCredentialSpec must not be empty', () => {
    const p = FieldPath.of(['spec', 'securityContext', 'windowsOptions']);
    assert.deepEqual(rendered(validateWindowsOptions({ gmsaCredentialSpec: '' }, p)), [
      'spec.securityContext.windowsOptions.gmsaCredentialSpec: Invalid value: "": gmsaCredentialSpec cannot be an empty string',
    ]);
  });
});
