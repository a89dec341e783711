/**
 * Name formats of apimachinery's util/validation, with their exact messages. Each function returns
 * the list of problems (empty when the value is valid).
 */

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const QUALIFIED_NAME_PART = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME_PART})?`;

const anchored = (pattern: string): RegExp => new RegExp(`^${pattern}$`);
const dns1123LabelRe = anchored(DNS1123_LABEL);
const dns1123SubdomainRe = anchored(DNS1123_SUBDOMAIN);
const qualifiedNamePartRe = anchored(QUALIFIED_NAME_PART);
const labelValueRe = anchored(LABEL_VALUE);

const byteLength = (s: string): number => Buffer.byteLength(s);

/** apimachinery's MaxLenError (util/validation: object names). */
export const maxLenError = (n: number): string => `must be no more than ${n} characters`;
/** The same in apimachinery's validate/content package, which label keys and values use. */
const maxBytesError = (n: number): string => `must be no more than ${n} bytes`;

/** apimachinery's RegexError: note the two spaces before "or" when there are several examples. */
export function regexError(message: string, pattern: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${pattern}')`;
  const shown = examples.map((e) => `'${e}'`).join(',  or ');
  return `${message} (e.g. ${shown}, regex used for validation is '${pattern}')`;
}

const DNS1123_LABEL_MESSAGE = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** Container, volume and namespace names. */
export function isDNS1123Label(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push(maxLenError(63));
  if (!dns1123LabelRe.test(value)) {
    if (dns1123SubdomainRe.test(value)) errors.push('must not contain dots');
    else errors.push(regexError(DNS1123_LABEL_MESSAGE, DNS1123_LABEL, 'my-name', '123-abc'));
  }
  return errors;
}

/** Object names (pods, workloads). */
export function isDNS1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 253) errors.push(maxLenError(253));
  if (!dns1123SubdomainRe.test(value)) errors.push(regexError(DNS1123_SUBDOMAIN_MESSAGE, DNS1123_SUBDOMAIN, 'example.com'));
  return errors;
}

/** Port names (IANA_SVC_NAME). */
export function isValidPortName(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 15) errors.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(value)) errors.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(value)) errors.push('must contain at least one letter (a-z)');
  if (value.includes('--')) errors.push('must not contain consecutive hyphens');
  if (value.length > 0 && (value.startsWith('-') || value.endsWith('-'))) errors.push('must not begin or end with a hyphen');
  return errors;
}

const QUALIFIED_NAME_MESSAGE = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** Label and annotation keys: `[prefix/]name` (validate/content's IsLabelKey). */
export function isQualifiedName(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else errors.push(...isDNS1123SubdomainInBytes(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [regexError(`a valid label key ${QUALIFIED_NAME_MESSAGE}`, QUALIFIED_NAME_PART, 'MyName', 'my.name', '123-abc') +
      " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (byteLength(name) > 63) errors.push(`name part ${maxBytesError(63)}`);
  // An empty name part fails the pattern too, and upstream says both.
  if (!qualifiedNamePartRe.test(name)) {
    errors.push('name part ' + regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME_PART, 'MyName', 'my.name', '123-abc'));
  }
  return errors;
}

// validate/content's IsDNS1123Subdomain, whose length limit is worded in bytes.
function isDNS1123SubdomainInBytes(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 253) errors.push(maxBytesError(253));
  if (!dns1123SubdomainRe.test(value)) errors.push(regexError(DNS1123_SUBDOMAIN_MESSAGE, DNS1123_SUBDOMAIN, 'example.com'));
  return errors;
}

const LABEL_VALUE_MESSAGE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

export function isValidLabelValue(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push(maxBytesError(63));
  if (!labelValueRe.test(value)) errors.push(regexError(LABEL_VALUE_MESSAGE, LABEL_VALUE, 'MyValue', 'my_value', '12345'));
  return errors;
}
