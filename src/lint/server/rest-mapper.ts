/**
 * Which REST resource serves a kind, asked of the server's discovery as kubectl asks it: so that
 * custom resources and the API versions this cluster serves count, not hostpod's catalogue.
 */
import { groupOf } from '../../api/kinds.js';
import type { ApiAnswer, ApiTransport } from './api-transport.js';
import { verdictOf, type ServerVerdict } from './verdict.js';

export interface RestMapping {
  group: string;
  version: string;
  /** The plural resource name (`daemonsets`). */
  resource: string;
  namespaced: boolean;
}

interface DiscoveredResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** Maps kinds to resources through discovery, one request per group/version, remembered. */
export class RestMapper {
  readonly #lists = new Map<string, Promise<ApiAnswer>>();

  constructor(private readonly transport: ApiTransport) {}

  /** The resource of `kind` in `apiVersion`, or the verdict that there is none (kubectl's "no matches for kind"). */
  async map(apiVersion: string, kind: string): Promise<RestMapping | ServerVerdict> {
    // A group is a DNS subdomain and a version one DNS label: anything else names no API, and
    // would not make a path (`..` segments).
    if (!/^(?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(apiVersion) || /(^|\.)\.|\.\//.test(apiVersion)) return noMatch(apiVersion, kind);
    const group = groupOf(apiVersion);
    const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
    const answer = await this.#list(group, version);
    if (answer.status === 404) return noMatch(apiVersion, kind);
    if (answer.status !== 200) return verdictOf(answer, 'get');
    const resources = (answer.body as { resources?: DiscoveredResource[] }).resources ?? [];
    // Subresources (`pods/status`) share their kind with other entries; the resource has no slash.
    const found = resources.find((r) => r.kind === kind && !r.name.includes('/'));
    if (!found) return noMatch(apiVersion, kind);
    return { group, version, resource: found.name, namespaced: found.namespaced };
  }

  #list(group: string, version: string): Promise<ApiAnswer> {
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    let list = this.#lists.get(path);
    if (!list) {
      list = this.transport.exchange('GET', path);
      this.#lists.set(path, list);
      // A failed discovery is not remembered: the next object asks again.
      void list.catch(() => this.#lists.delete(path));
    }
    return list;
  }
}

function noMatch(apiVersion: string, kind: string): ServerVerdict {
  return {
    outcome: 'refused', reason: 'NoMatch', message: `no matches for kind "${kind}" in version "${apiVersion}"`, warnings: [],
    hint: `this cluster does not serve ${kind} in ${apiVersion}: ensure CRDs are installed first, and check the versions it serves (kubectl api-resources)`,
  };
}

/** Whether a mapping answer is a verdict (no mapping). */
export function isVerdict(value: RestMapping | ServerVerdict): value is ServerVerdict {
  return 'outcome' in value;
}
