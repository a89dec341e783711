/**
 * A set of field paths, as structured-merge-diff's fieldpath.Set: a tree of path elements whose
 * nodes may be members themselves (a leaf, a list item) and may have children. It reads and
 * writes managedFields' FieldsV1 encoding: `{"f:data":{"f:a":{}}}`, with `".": {}` for a node
 * that is a member and has children, in upstream's order of path elements.
 */
import { comparePathElements, isPathElement } from './path-element.js';

export type FieldPath = readonly string[];

/** FieldsV1: each path element maps to its children; `.` marks the node itself a member. */
export type FieldsV1 = { [element: string]: FieldsV1 };

export class FieldSet {
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  /** Adds one path as a member. */
  insert(path: FieldPath): this {
    if (path.length === 0) return this;
    let node = this.#child(path[0]!, path.length > 1);
    for (let i = 1; i < path.length - 1; i++) node = node.#child(path[i]!, true);
    if (path.length > 1) node.members.add(path[path.length - 1]!);
    return this;
  }

  /** Whether the path is a member. */
  has(path: FieldPath): boolean {
    const node = this.#at(path.slice(0, -1));
    return node !== undefined && path.length > 0 && node.members.has(path[path.length - 1]!);
  }

  /** Whether some member lies strictly under `path`. */
  hasBelow(path: FieldPath): boolean {
    const node = this.#at(path);
    return node !== undefined && !node.isEmpty();
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const child of this.children.values()) if (!child.isEmpty()) return false;
    return true;
  }

  /** Every member path. */
  paths(prefix: FieldPath = []): string[][] {
    const out: string[][] = [];
    for (const element of [...new Set([...this.members, ...this.children.keys()])].sort(comparePathElements)) {
      if (this.members.has(element)) out.push([...prefix, element]);
      const child = this.children.get(element);
      if (child) out.push(...child.paths([...prefix, element]));
    }
    return out;
  }

  // The set operations below walk the two trees side by side. A node is kept only when some member
  // lies at or under it, so each result is the set that inserting its member paths one by one
  // would build (what they did before, sorting every path first).

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    out.#add(other);
    return out;
  }

  /** The members of this set that `other` lacks (not recursive: a member's children stay, as upstream's Difference). */
  difference(other: FieldSet): FieldSet {
    return this.#filtered(other, false) ?? new FieldSet();
  }

  /** Whether a member of `other` is one of this set's: whether `difference(other)` takes any away. */
  sharesMember(other: FieldSet): boolean {
    for (const member of other.members) if (this.members.has(member)) return true;
    for (const [element, theirs] of other.children) {
      const mine = this.children.get(element);
      if (mine !== undefined && mine.sharesMember(theirs)) return true;
    }
    return false;
  }

  /**
   * This set without the members at or under `prefix`: a copy without them, or this set itself
   * when it has none there.
   */
  withoutPrefix(prefix: FieldPath): FieldSet {
    if (prefix.length === 0) return new FieldSet();
    const last = prefix[prefix.length - 1]!;
    const parent = this.#at(prefix.slice(0, -1));
    if (parent === undefined || (!parent.members.has(last) && !parent.children.has(last))) return this;
    // The copy keeps only the nodes with members at or under them (the parent may be none of them).
    // A node left without members on the way (one that only led there) is as good as none: every
    // reading of a set (paths, FieldsV1, isEmpty, the set operations) passes over it.
    const out = this.copy();
    const trimmed = out.#at(prefix.slice(0, -1));
    trimmed?.members.delete(last);
    trimmed?.children.delete(last);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    return this.#filtered(other, true) ?? new FieldSet();
  }

  copy(): FieldSet {
    return this.#filtered(undefined, false) ?? new FieldSet();
  }

  /** Adds every member of `other` to this set. */
  #add(other: FieldSet): void {
    for (const member of other.members) this.members.add(member);
    for (const [element, theirs] of other.children) {
      const mine = this.children.get(element);
      if (mine) mine.#add(theirs);
      else {
        const copied = theirs.#filtered(undefined, false);
        if (copied) this.children.set(element, copied);
      }
    }
  }

  /**
   * The members of this set that `other` has (`keep` true) or lacks (false; with no `other`, all
   * of them); undefined when there are none.
   */
  #filtered(other: FieldSet | undefined, keep: boolean): FieldSet | undefined {
    const out = new FieldSet();
    for (const member of this.members) if ((other?.members.has(member) ?? false) === keep) out.members.add(member);
    for (const [element, child] of this.children) {
      const theirs = other?.children.get(element);
      if (keep && theirs === undefined) continue;
      const kept = child.#filtered(theirs, keep);
      if (kept) out.children.set(element, kept);
    }
    return out.members.size === 0 && out.children.size === 0 ? undefined : out;
  }

  equals(other: FieldSet): boolean {
    return JSON.stringify(this.toFieldsV1()) === JSON.stringify(other.toFieldsV1());
  }

  /** The FieldsV1 object, its keys in upstream's order. */
  toFieldsV1(): FieldsV1 {
    const out: FieldsV1 = {};
    const elements = [...this.children.keys()];
    for (const member of this.members) if (!this.children.has(member)) elements.push(member);
    for (const element of elements.sort(comparePathElements)) {
      const child = this.children.get(element);
      const inner = child && !child.isEmpty() ? child.toFieldsV1() : undefined;
      if (inner === undefined) {
        if (this.members.has(element)) out[element] = {};
        continue;
      }
      out[element] = this.members.has(element) ? { '.': {}, ...inner } : inner;
    }
    return out;
  }

  /**
   * A set from FieldsV1.
   * @throws Error when the value is not FieldsV1 (not an object, or a key that is no path element)
   */
  static fromFieldsV1(value: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, prefix: string[]): void => {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new Error('expected an object');
      for (const [element, child] of Object.entries(node)) {
        if (element === '.') {
          if (prefix.length === 0) throw new Error('"." at the top of the set');
          set.insert(prefix);
          continue;
        }
        if (!isPathElement(element)) throw new Error(`unknown path element ${JSON.stringify(element)}`);
        const path = [...prefix, element];
        if (typeof child === 'object' && child !== null && !Array.isArray(child) && Object.keys(child as object).length === 0) set.insert(path);
        else walk(child, path);
      }
    };
    walk(value, []);
    return set;
  }

  /** The child node of `element` (made when missing); with `descend` false, this node, after adding `element` as a member. */
  #child(element: string, descend: boolean): FieldSet {
    if (!descend) {
      this.members.add(element);
      return this;
    }
    let child = this.children.get(element);
    if (!child) {
      child = new FieldSet();
      this.children.set(element, child);
    }
    return child;
  }

  #at(path: FieldPath): FieldSet | undefined {
    if (path.length === 0) return this;
    const child = this.children.get(path[0]!);
    return child ? child.#at(path.slice(1)) : undefined;
  }
}

/**
 * Every member path in the order upstream iterates a set (a level's members, then its children in
 * order), which is the order its conflicts are listed in.
 */
export function iteratePaths(set: FieldSet, prefix: FieldPath = []): string[][] {
  const out: string[][] = [];
  for (const element of [...set.members].sort(comparePathElements)) out.push([...prefix, element]);
  for (const element of [...set.children.keys()].sort(comparePathElements)) out.push(...iteratePaths(set.children.get(element)!, [...prefix, element]));
  return out;
}

/**
 * `set` without the members at or under any of `prefixes` (upstream's RecursiveDifference of
 * ignored fields): `set` itself when it has none there.
 */
export function withoutPrefixes(set: FieldSet, prefixes: readonly FieldPath[]): FieldSet {
  let out = set;
  for (const prefix of prefixes) out = out.withoutPrefix(prefix);
  return out;
}
