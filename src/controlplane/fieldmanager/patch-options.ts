/** The 422 of PatchOptions kube-apiserver refuses: `PatchOptions.meta.k8s.io "" is invalid: ...`. */
import { StatusError, type StatusCause } from '../api/status-error.js';

export function invalidPatchOptions(causes: StatusCause[]): StatusError {
  const errors = causes.map((c) => `${c.field ?? ''}: ${c.message}`);
  const summary = errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
  return new StatusError(422, 'Invalid', `PatchOptions.meta.k8s.io "" is invalid: ${summary}`, { group: 'meta.k8s.io', kind: 'PatchOptions', causes });
}
