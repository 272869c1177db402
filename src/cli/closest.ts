/**
 * The names a mistyped `typed` most likely meant, best first: a different case of one name, else
 * those within a small edit distance (a slip of about one key in three), else those it begins.
 * Empty when nothing is close, so the caller lists every name instead of guessing.
 */
export function closestNames(typed: string, names: readonly string[]): string[] {
  const lower = typed.toLowerCase();
  const sameWord = names.filter((name) => name.toLowerCase() === lower);
  if (sameWord.length > 0) return sameWord;
  const limit = Math.max(1, Math.floor(typed.length / 3));
  const near = names
    .map((name) => ({ name, distance: editDistance(lower, name.toLowerCase()) }))
    .filter(({ distance }) => distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  if (near.length > 0) {
    const best = near[0]?.distance;
    return near.filter(({ distance }) => distance === best).map(({ name }) => name);
  }
  return lower.length >= 2 ? names.filter((name) => name.toLowerCase().startsWith(lower)) : [];
}

/** Edits (insert, delete, replace, or swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
