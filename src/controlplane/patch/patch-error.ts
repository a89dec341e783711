/**
 * The failure of a PATCH, carrying what kube-apiserver would put in the Status it returns.
 */

/**
 * A failed patch. `code` is the HTTP status, `reason` the Status reason ('BadRequest', 'Invalid',
 * 'UnsupportedMediaType', 'RequestEntityTooLarge'), `message` the Status message. `detail` keeps the patch library's own error text where
 * kube-apiserver drops it from the Status (JSON patch failures): worth logging, not sending.
 */
export class PatchError extends Error {
  override readonly name = 'PatchError';

  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly detail?: string,
    /** The Status's details, where kube-apiserver sends some. */
    readonly details?: PatchErrorDetails,
  ) {
    super(message);
  }
}

/** The details of a failed patch's Status: the field errors of a 422 Invalid. */
export interface PatchErrorDetails {
  causes?: { reason: string; message: string; field: string }[];
}

/** 400 BadRequest. */
export function badRequest(message: string): PatchError {
  return new PatchError(400, 'BadRequest', message);
}

/**
 * A patch error kube-apiserver does not classify (a missing merge key, an unknown "$patch"): it
 * answers them 500 with no reason, as if the server had failed. hostpod answers 400 BadRequest
 * with the same message: a malformed patch is the client's error, never a 500.
 */
export function unclassified(message: string): PatchError {
  return new PatchError(400, 'BadRequest', message);
}

/** 422 Invalid with errors.NewGenericServerResponse's fixed message, which drops `detail`. */
export function unprocessable(detail: string): PatchError {
  return new PatchError(422, 'Invalid', 'the server rejected our request due to an error in our request', detail, {});
}

/**
 * 422 Invalid as errors.NewInvalid words the failure to decode a patched object: no kind, no
 * name, one error on the field "patch" whose value is `patched` (already printed).
 */
export function undecodable(patched: string, detail: string): PatchError {
  const error = `Invalid value: ${patched}: ${detail}`;
  return new PatchError(422, 'Invalid', ` "" is invalid: patch: ${error}`, undefined, { causes: [{ reason: 'FieldValueInvalid', message: error, field: 'patch' }] });
}
