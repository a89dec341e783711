/** An Indexed Job's completed indexes as its status writes them: `0-2,5,7-8`. */

/** The indexes in `text`; malformed pieces are skipped. */
export function parseIndexes(text: string): Set<number> {
  const indexes = new Set<number>();
  for (const piece of text.split(',')) {
    const match = /^([0-9]+)(?:-([0-9]+))?$/.exec(piece.trim());
    if (!match) continue;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    for (let i = first; i <= last && i - first < 1_000_000; i++) indexes.add(i);
  }
  return indexes;
}

/** The indexes as ranges, ascending. */
export function formatIndexes(indexes: ReadonlySet<number>): string {
  const sorted = [...indexes].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const first = sorted[i]!;
    let last = first;
    while (i + 1 < sorted.length && sorted[i + 1] === last + 1) last = sorted[++i]!;
    ranges.push(first === last ? String(first) : `${first}-${last}`);
  }
  return ranges.join(',');
}
