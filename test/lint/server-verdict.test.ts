/**
 * The server's verdict read from an answer (lint --server), and when it disagrees with hostpod's:
 * table-driven over the answers kube-apiserver gives a dry run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LintResult } from '../../src/lint/lint.js';
import { disagrees } from '../../src/lint/server/disagreement.js';
import { verdictOf, type ServerCheck, type ServerOutcome } from '../../src/lint/server/verdict.js';

const status = (code: number, reason: string, message: string, details: Record<string, unknown> = {}): unknown =>
  ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, details });

describe('server verdict', () => {
  const rows: [name: string, status: number, body: unknown, outcome: ServerOutcome, hint: RegExp | undefined][] = [
    ['2xx is allowed', 201, { kind: 'Pod' }, 'allowed', undefined],
    ['Pod Security refusing a pod is a refusal', 403, status(403, 'Forbidden', 'pods "p" is forbidden: violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true)'), 'refused', undefined],
    ['RBAC refusing the dry run leaves it unchecked, naming the permission', 403,
      status(403, 'Forbidden', 'daemonsets.apps is forbidden: User "bob" cannot create resource "daemonsets" in API group "apps" in the namespace "x"'),
      'unchecked', /user "bob" may not create daemonsets\.apps in namespace "x".*kubectl auth can-i create daemonsets\.apps -n x/],
    ['a namespace that does not exist is a refusal naming it', 404, status(404, 'NotFound', 'namespaces "nope" not found', { name: 'nope', kind: 'namespaces' }), 'refused', /kubectl create namespace nope/],
    ['a ValidatingAdmissionPolicy is named', 422,
      status(422, 'Invalid', 'pods "p" is forbidden: ValidatingAdmissionPolicy \'no-root\' with binding \'b\' denied request: no', { causes: [{ message: 'x' }] }),
      'refused', /ValidatingAdmissionPolicy "no-root" \(binding "b"\)/],
    ['a webhook is named', 400, status(400, 'BadRequest', 'admission webhook "deny.example.com" denied the request: no'), 'refused', /webhook "deny\.example\.com"/],
    ['an unknown field says the cluster does not know it', 400, status(400, 'BadRequest', 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"'), 'refused', /does not know a field/],
    ['an overloaded server leaves it unchecked', 429, status(429, 'TooManyRequests', 'too many requests'), 'unchecked', /run lint again/],
    ['an answer that is no Status still is a refusal with a reason', 500, 'oops', 'refused', undefined],
  ];
  for (const [name, code, body, outcome, hint] of rows) {
    test(`verdictOf: ${name}`, () => {
      const verdict = verdictOf({ status: code, body, warnings: ['w'] }, 'create');
      assert.equal(verdict.outcome, outcome);
      assert.equal(verdict.request, 'create');
      assert.deepEqual(verdict.warnings, ['w']);
      if (outcome !== 'allowed') assert.ok(verdict.reason && verdict.message, JSON.stringify(verdict));
      if (hint) assert.match(verdict.hint ?? '', hint);
    });
  }

  test('verdictOf keeps the causes of an Invalid answer', () => {
    const verdict = verdictOf({ status: 422, body: status(422, 'Invalid', 'Pod "p" is invalid: spec.x: Required value', { causes: [{ field: 'spec.x', reason: 'FieldValueRequired', message: 'Required value' }] }), warnings: [] }, 'patch');
    assert.deepEqual(verdict.causes, [{ field: 'spec.x', reason: 'FieldValueRequired', message: 'Required value' }]);
    assert.equal(verdict.request, 'patch');
  });
});

describe('server disagreement', () => {
  const result = (kind: string, apiVersion: string, valid: boolean, podsAllowed: boolean | undefined): LintResult => ({
    file: 'f', index: 0, line: 1, kind, apiVersion, namespace: 'ns', name: 'n', valid, errors: [], warnings: [], serverWarnings: [],
    podSecurity: podsAllowed === undefined ? null : { level: 'restricted', version: 'latest', allowed: podsAllowed, reasons: [], message: '' },
  });
  const check = (outcome: ServerOutcome, pods?: ServerOutcome): ServerCheck => ({ outcome, warnings: [], disagrees: false, ...(pods ? { pods: { outcome: pods, warnings: [] } } : {}) });
  const rows: [name: string, LintResult, ServerCheck, boolean][] = [
    ['both allow a pod', result('Pod', 'v1', true, true), check('allowed'), false],
    ['both refuse a pod Pod Security denies', result('Pod', 'v1', true, false), check('refused'), false],
    ['hostpod allows a pod the server refuses', result('Pod', 'v1', true, true), check('refused'), true],
    ['hostpod finds a pod invalid that the server allows', result('Pod', 'v1', false, true), check('allowed'), true],
    ['a workload whose pods both deny', result('DaemonSet', 'apps/v1', true, false), check('allowed', 'refused'), false],
    ['a workload whose pods only the server refuses', result('DaemonSet', 'apps/v1', true, true), check('allowed', 'refused'), true],
    ['a workload whose pods only hostpod denies', result('DaemonSet', 'apps/v1', true, false), check('allowed', 'allowed'), true],
    ['a workload hostpod allows in a namespace the server does not have', result('DaemonSet', 'apps/v1', true, true), check('refused'), true],
    ['an object the server could not judge', result('Pod', 'v1', true, true), check('unchecked'), false],
    ['an object that waits for its namespace in the input', result('Pod', 'v1', true, true), check('pending'), false],
    ['a ConfigMap the server refuses', result('ConfigMap', 'v1', true, undefined), check('refused'), true],
    ['a custom resource, which hostpod does not check', result('Widget', 'example.com/v1', true, undefined), check('refused'), false],
  ];
  for (const [name, r, c, expected] of rows) {
    test(`disagrees: ${name}`, () => assert.equal(disagrees(r, c), expected));
  }
});
