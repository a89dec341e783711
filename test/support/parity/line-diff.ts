/** The lines two texts differ in, as hunks: a run of lines of one replaced by a run of the other. */

export interface Hunk {
  /** The first text's lines the hunk replaces (none when it only adds). */
  real: string[];
  /** The second text's lines in their place. */
  hostpod: string[];
}

/**
 * The hunks that turn `real` into `hostpod`, from their longest common subsequence of lines.
 * Outputs of kubectl are at most a few hundred lines, so the quadratic table is small.
 */
export function lineDiff(realText: string, hostpodText: string): Hunk[] {
  const a = realText.split('\n');
  const b = hostpodText.split('\n');
  // common[i][j]: the longest common subsequence of a[i..] and b[j..].
  const common = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i]![j] = a[i] === b[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  const flush = (): void => {
    if (current) hunks.push(current);
    current = undefined;
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      flush();
      i++;
      j++;
    } else if (j < b.length && (i === a.length || common[i]![j + 1]! >= common[i + 1]![j]!)) {
      (current ??= { real: [], hostpod: [] }).hostpod.push(b[j++]!);
    } else {
      (current ??= { real: [], hostpod: [] }).real.push(a[i++]!);
    }
  }
  flush();
  return hunks;
}
