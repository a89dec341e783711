import type { V1PodSpec } from '@kubernetes/client-node';
import { formatFieldError, type FieldError } from '../src/policy/field.js';

/** A HostProcess pod spec that passes validation, with `overrides` merged over the spec. */
export function hostProcessSpec(overrides: Partial<V1PodSpec> = {}): V1PodSpec {
  return {
    securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\Local service' } },
    hostNetwork: true,
    containers: [{ name: 'app', image: 'localhost/hostprocess-base:latest' }],
    ...overrides,
  };
}

/** Field errors as the API server prints them. */
export function rendered(errors: readonly FieldError[]): string[] {
  return errors.map(formatFieldError);
}
