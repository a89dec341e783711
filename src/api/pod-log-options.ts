/**
 * `PodLogOptions`: the query of `pods/NAME/log` and of the kubelet's `/containerLogs`, read and
 * validated as the API server validates it (the same rules and messages), so both ends agree.
 */

export interface PodLogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  /** Only entries at or after this time. */
  since?: Date;
  tailLines?: number;
  limitBytes?: number;
}

export class PodLogOptionsError extends Error {}

/**
 * Reads the options from a query string.
 * @throws PodLogOptionsError naming the parameter and what it must be
 */
export function parsePodLogOptions(query: URLSearchParams, now = new Date()): PodLogOptions {
  const options: PodLogOptions = { follow: flag(query, 'follow'), previous: flag(query, 'previous'), timestamps: flag(query, 'timestamps') };
  const sinceSeconds = integer(query, 'sinceSeconds');
  const sinceTime = query.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime !== null) throw new PodLogOptionsError('at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) throw new PodLogOptionsError(`sinceSeconds: Invalid value: ${sinceSeconds}: must be greater than 0`);
    options.since = new Date(now.getTime() - sinceSeconds * 1000);
  }
  if (sinceTime !== null) {
    const time = new Date(sinceTime);
    if (!/^\d{4}-\d\d-\d\dT/.test(sinceTime) || Number.isNaN(time.getTime())) {
      throw new PodLogOptionsError(`sinceTime: Invalid value: "${sinceTime}": must be an RFC 3339 time such as 2006-01-02T15:04:05Z`);
    }
    options.since = time;
  }
  const tailLines = integer(query, 'tailLines');
  if (tailLines !== undefined) {
    if (tailLines < 0) throw new PodLogOptionsError(`tailLines: Invalid value: ${tailLines}: must be greater than or equal to 0`);
    options.tailLines = tailLines;
  }
  const limitBytes = integer(query, 'limitBytes');
  if (limitBytes !== undefined) {
    if (limitBytes < 1) throw new PodLogOptionsError(`limitBytes: Invalid value: ${limitBytes}: must be greater than 0`);
    options.limitBytes = limitBytes;
  }
  return options;
}

function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new PodLogOptionsError(`${name}: Invalid value: "${value}": must be true or false`);
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw new PodLogOptionsError(`${name}: Invalid value: "${value}": must be an integer`);
  return Number(value);
}
