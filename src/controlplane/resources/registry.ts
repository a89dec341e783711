/**
 * The registry of served resources: the definitions looked up by path and by kind, and the
 * group/versions they make. The built-in definitions are fixed when it is built from the list in
 * `index.ts`; a definition that clashes with another (same resource, kind or short name) is
 * refused there, before anything is served. Custom resources (one set per
 * CustomResourceDefinition) are served and withdrawn while running, after every built-in one.
 */
import { groupVersion, kindKey, type ResourceDefinition } from './definition.js';
import { compareVersions } from './version-priority.js';

export class ResourceRegistry {
  readonly #builtIn: readonly ResourceDefinition[];
  readonly #byPath = new Map<string, ResourceDefinition>();
  readonly #byKind = new Map<string, ResourceDefinition>();
  /** The served custom resources, by the name of the CustomResourceDefinition that serves them. */
  readonly #custom = new Map<string, readonly ResourceDefinition[]>();
  readonly #listeners = new Set<() => void>();

  /** @throws Error for two definitions of one resource or one kind, or a short name used twice */
  constructor(definitions: readonly ResourceDefinition[]) {
    this.#builtIn = definitions;
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

  /** Every served definition: the built-in ones, then the custom ones in the order they were served. */
  get definitions(): readonly ResourceDefinition[] {
    return this.#custom.size === 0 ? this.#builtIn : [...this.#builtIn, ...[...this.#custom.values()].flat()];
  }

  /** The resource at `/api(s)/GROUP/VERSION/RESOURCE`, if served. */
  find(group: string, version: string, resource: string): ResourceDefinition | undefined {
    const path = `${groupVersion({ group, version })}/${resource}`;
    return this.#byPath.get(path) ?? this.#customWhere((d) => `${groupVersion(d)}/${d.resource}` === path);
  }

  /** The resource serving a kind, by its key (`v1/Pod`, `apps/v1/DaemonSet`), if any. */
  forKind(key: string): ResourceDefinition | undefined {
    return this.#byKind.get(key) ?? this.#customWhere((d) => kindKey(d) === key);
  }

  /** The resources of one group/version, in registry order. */
  inGroupVersion(group: string, version: string): ResourceDefinition[] {
    return this.definitions.filter((r) => r.group === group && r.version === version);
  }

  /**
   * The served group/versions, in discovery order: the order of first appearance, except that
   * groups only custom resources serve come last, by name, each with its versions by
   * Kubernetes' version priority.
   */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const r of this.#builtIn) seen.set(groupVersion(r), { group: r.group, version: r.version });
    const builtInGroups = new Set(this.#builtIn.map((r) => r.group));
    const custom = new Map<string, Set<string>>();
    for (const r of [...this.#custom.values()].flat()) {
      if (builtInGroups.has(r.group)) seen.set(groupVersion(r), { group: r.group, version: r.version });
      else custom.set(r.group, (custom.get(r.group) ?? new Set()).add(r.version));
    }
    // Custom resources' groups come after the built-in ones, by name (their API services share one priority).
    for (const [group, versions] of [...custom].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const version of [...versions].sort(compareVersions)) seen.set(groupVersion({ group, version }), { group, version });
    }
    return [...seen.values()];
  }

  /**
   * Serves the versions of one custom resource (replacing what `owner`, the name of its
   * CustomResourceDefinition, served before); a built-in resource cannot be replaced.
   * @throws Error when a definition names a built-in resource or kind
   */
  serve(owner: string, definitions: readonly ResourceDefinition[]): void {
    for (const d of definitions) {
      if (this.#byPath.has(`${groupVersion(d)}/${d.resource}`) || this.#byKind.has(kindKey(d))) {
        throw new Error(`${owner}: ${groupVersion(d)}/${d.resource} is a built-in resource`);
      }
    }
    this.#custom.set(owner, definitions);
    this.#changed();
  }

  /** Stops serving what `owner` served (nothing when it served nothing). */
  withdraw(owner: string): void {
    if (this.#custom.delete(owner)) this.#changed();
  }

  /** The definitions `owner` serves (none when it serves nothing). */
  servedBy(owner: string): readonly ResourceDefinition[] {
    return this.#custom.get(owner) ?? [];
  }

  /** Calls `listener` after each change of the served custom resources; returns how to stop. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #customWhere(test: (d: ResourceDefinition) => boolean): ResourceDefinition | undefined {
    for (const set of this.#custom.values()) {
      const found = set.find(test);
      if (found) return found;
    }
    return undefined;
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
