/**
 * The registry of served resources: the definitions looked up by path and by kind, and the
 * group/versions they make. Built once from the list in `index.ts`; a definition that clashes with
 * another (same resource, kind or short name) is refused there, before anything is served.
 */
import { groupVersion, kindKey, type ResourceDefinition } from './definition.js';

export class ResourceRegistry {
  readonly #byPath = new Map<string, ResourceDefinition>();
  readonly #byKind = new Map<string, ResourceDefinition>();

  /** @throws Error for two definitions of one resource or one kind, or a short name used twice */
  constructor(readonly definitions: readonly ResourceDefinition[]) {
    const shortNames = new Map<string, string>();
    for (const definition of definitions) {
      const path = `${groupVersion(definition)}/${definition.resource}`;
      if (this.#byPath.has(path)) throw new Error(`two definitions of the resource ${path}`);
      this.#byPath.set(path, definition);
      const kind = kindKey(definition);
      if (this.#byKind.has(kind)) throw new Error(`${path}: kind ${kind} is already served by ${this.#byKind.get(kind)!.resource}`);
      this.#byKind.set(kind, definition);
      for (const name of definition.shortNames) {
        // kubectl resolves a short name to one resource: a second one would make it ambiguous.
        if (shortNames.has(name)) throw new Error(`${path}: short name ${name} is already ${shortNames.get(name)!}'s`);
        shortNames.set(name, definition.resource);
      }
    }
  }

  /** The resource at `/api(s)/GROUP/VERSION/RESOURCE`, if served. */
  find(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.#byPath.get(`${groupVersion({ group, version })}/${resource}`);
  }

  /** The resource serving a kind, by its key (`v1/Pod`, `apps/v1/DaemonSet`), if any. */
  forKind(key: string): ResourceDefinition | undefined {
    return this.#byKind.get(key);
  }

  /** The resources of one group/version, in registry order. */
  inGroupVersion(group: string, version: string): ResourceDefinition[] {
    return this.definitions.filter((r) => r.group === group && r.version === version);
  }

  /** The served group/versions, in discovery order (the order of first appearance). */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const r of this.definitions) seen.set(groupVersion(r), { group: r.group, version: r.version });
    return [...seen.values()];
  }
}
