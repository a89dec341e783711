/**
 * `securityContext.windowsOptions` (pod and container level): the API server's
 * validateWindowsSecurityContextOptions, including every runAsUserName rule.
 */
import type { V1WindowsSecurityContextOptions } from '@kubernetes/client-node';
import { invalid, pointerValue, type FieldError, type FieldPath } from '../field.js';
import { isDNS1123Subdomain } from './names.js';

const MAX_GMSA_CREDENTIAL_SPEC_BYTES = 64 * 1024;
const MAX_DOMAIN_BYTES = 256;
const MAX_USER_BYTES = 104;

// Go's [[:cntrl:]]: ASCII control characters only.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const NETBIOS_DOMAIN = /^[^\\/:*?"<>|.][^\\/:*?"<>|]{0,14}$/u;
const DNS_DOMAIN = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const ONLY_DOTS_OR_SPACES = /^[. ]+$/;
const INVALID_USER_CHARACTERS = /["/\\:;|=,+*?<>@[\]]/;

const bytes = (s: string): number => Buffer.byteLength(s);

/** Validates one windowsOptions block found at `path`. */
export function validateWindowsOptions(options: V1WindowsSecurityContextOptions | undefined | null, path: FieldPath): FieldError[] {
  if (!options) return [];
  const errors: FieldError[] = [];
  if (typeof options.gmsaCredentialSpecName === 'string') {
    const p = path.child('gmsaCredentialSpecName');
    for (const message of isDNS1123Subdomain(options.gmsaCredentialSpecName)) errors.push(invalid(p, pointerValue(options.gmsaCredentialSpecName), message));
  }
  if (typeof options.gmsaCredentialSpec === 'string') {
    const p = path.child('gmsaCredentialSpec');
    const size = bytes(options.gmsaCredentialSpec);
    const value = pointerValue(options.gmsaCredentialSpec);
    if (size === 0) errors.push(invalid(p, value, 'gmsaCredentialSpec cannot be an empty string'));
    else if (size > MAX_GMSA_CREDENTIAL_SPEC_BYTES) errors.push(invalid(p, value, 'gmsaCredentialSpec size must be under 64 KiB'));
  }
  if (typeof options.runAsUserName === 'string') {
    errors.push(...validateRunAsUserName(options.runAsUserName, path.child('runAsUserName')));
  }
  return errors;
}

/**
 * The runAsUserName rules. The first three stop at the first failure; the `DOMAIN\USER` checks
 * after them are independent, so one name can fail several. The API server has the name as a
 * pointer, so its errors show it as JSON (`"\u0007"`), not Go-quoted.
 */
export function validateRunAsUserName(name: string, path: FieldPath): FieldError[] {
  const fail = (message: string): FieldError => invalid(path, pointerValue(name), message);
  if (name.length === 0) return [fail('runAsUserName cannot be an empty string')];
  if (CONTROL.test(name)) return [fail('runAsUserName cannot contain control characters')];
  const parts = name.split('\\');
  if (parts.length > 2) return [fail('runAsUserName cannot contain more than one backslash')];

  const hasDomain = parts.length === 2;
  const domain = hasDomain ? (parts[0] ?? '') : '';
  const user = hasDomain ? (parts[1] ?? '') : name;
  const errors: FieldError[] = [];
  if (bytes(domain) >= MAX_DOMAIN_BYTES) errors.push(fail("runAsUserName's Domain length must be under 256 characters"));
  if (hasDomain && !NETBIOS_DOMAIN.test(domain) && !DNS_DOMAIN.test(domain)) {
    errors.push(fail("runAsUserName's Domain doesn't match the NetBios nor the DNS format"));
  }
  if (user.length === 0) errors.push(fail("runAsUserName's User cannot be empty"));
  else if (bytes(user) > MAX_USER_BYTES) errors.push(fail("runAsUserName's User length must not be longer than 104 characters"));
  if (ONLY_DOTS_OR_SPACES.test(user)) errors.push(fail("runAsUserName's User cannot contain only periods or spaces"));
  if (INVALID_USER_CHARACTERS.test(user)) {
    errors.push(fail(`runAsUserName's User cannot contain the following characters: "/\\:;|=,+*?<>@[]`));
  }
  return errors;
}
