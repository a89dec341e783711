/**
 * The query options of a write, as kube-apiserver decodes and validates them into its
 * CreateOptions, UpdateOptions, PatchOptions or DeleteOptions: `dryRun` (All, or nothing) for
 * every write, `fieldValidation` (Strict, Warn, Ignore, or empty for the default) for those that
 * decode a body. Reads do not look at them.
 */
import { DEFAULT_FIELD_VALIDATION, type FieldValidation } from '../api/field-validation.js';
import type { RequestContext } from '../api/object-api.js';
import { StatusError, type StatusCause } from '../api/status-error.js';
import type { UserInfo } from '../auth/user.js';
import type { ResourceVerb } from './api-handler.js';

export interface WriteOptions {
  dryRun: boolean;
  fieldValidation: FieldValidation;
}

const OPTIONS_KIND: Partial<Record<ResourceVerb, string>> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
  delete: 'DeleteOptions',
  deletecollection: 'DeleteOptions',
};

const FIELD_VALIDATIONS: readonly string[] = ['Ignore', 'Strict', 'Warn'];

/**
 * The options of a `verb` request; reads get the defaults.
 * @throws StatusError 422 Invalid naming the options kind, as `CreateOptions.meta.k8s.io "" is
 *   invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore",
 *   "Strict", "Warn"`
 */
export function writeOptions(verb: ResourceVerb, query: URLSearchParams): WriteOptions {
  const kind = OPTIONS_KIND[verb];
  if (kind === undefined) return { dryRun: false, fieldValidation: DEFAULT_FIELD_VALIDATION };
  const causes: StatusCause[] = [];
  const dryRun = query.getAll('dryRun');
  if (dryRun.some((value) => value !== 'All')) {
    causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(dryRun)}: supported values: "All"`, field: 'dryRun' });
  }
  // DeleteOptions has no fieldValidation: a delete ignores it.
  const validation = kind === 'DeleteOptions' ? '' : (query.get('fieldValidation') ?? '');
  if (validation !== '' && !FIELD_VALIDATIONS.includes(validation)) {
    const supported = ['', ...FIELD_VALIDATIONS].map((value) => JSON.stringify(value)).join(', ');
    causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(validation)}: supported values: ${supported}`, field: 'fieldValidation' });
  }
  if (causes.length > 0) throw invalidOptions(kind, causes);
  return { dryRun: dryRun.length > 0, fieldValidation: validation === '' ? DEFAULT_FIELD_VALIDATION : (validation as FieldValidation) };
}

/** Who asks, and the options of the write: what the object API is told. @throws StatusError as `writeOptions` */
export function writeContext(verb: ResourceVerb, query: URLSearchParams, user: UserInfo): RequestContext {
  return { user, ...writeOptions(verb, query) };
}

/** errors.NewInvalid of a meta.k8s.io options kind, which has no name. */
/** The 422 of options kube-apiserver refuses: `DeleteOptions.meta.k8s.io "" is invalid: ...` (their GroupKind). */
export function invalidOptions(kind: string, causes: StatusCause[]): StatusError {
  const errors = causes.map((c) => `${c.field ?? ''}: ${c.message}`);
  const summary = errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
  return new StatusError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${summary}`, { group: 'meta.k8s.io', kind, causes });
}
