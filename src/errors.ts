/**
 * The one error class hostpod throws for conditions a user can fix.
 *
 * `code` is stable (`ERR_HOSTPOD_*`) so callers and tests can branch on it; `message` says what
 * went wrong, naming the object, field or path; `hint` says what to do about it. Anything that is
 * not a HostpodError reaching the top level is a bug and is reported with its stack.
 */
export class HostpodError extends Error {
  override readonly name = 'HostpodError';
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: `ERR_HOSTPOD_${string}`, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
}

/** True when `error` is a HostpodError, optionally with the given code. */
export function isHostpodError(error: unknown, code?: string): error is HostpodError {
  return error instanceof HostpodError && (code === undefined || error.code === code);
}
