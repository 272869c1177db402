import { describe, expect, it } from "vitest";
import { mergeWalks, newestFirst, type PageBounds, type Walk } from "../../../src/backends/sqlite/manage-merge.js";
import type { Key } from "../../../src/backends/sqlite/manage-sql.js";

/** A walk over an in-memory list of keys, as the SQL walks read theirs; counts the keys it hands out. */
function listWalk(keys: Key[], sorted = false): Walk & { handed: number } {
  const ordered = [...keys].sort(newestFirst);
  const walk = {
    handed: 0,
    sorted,
    read(b: PageBounds & { limit: number }): Key[] {
      const rows = ordered
        .filter((k) => k.enqueued_at >= b.since)
        .filter((k) => k.enqueued_at < b.beforeAt || (k.enqueued_at === b.beforeAt && k.seq < b.beforeSeq))
        .slice(0, b.limit);
      walk.handed += rows.length;
      return rows;
    },
  };
  return walk;
}

const OPEN: PageBounds = {
  since: Number.MIN_SAFE_INTEGER,
  beforeAt: Number.MAX_SAFE_INTEGER,
  beforeSeq: Number.MAX_SAFE_INTEGER,
};

describe("mergeWalks", () => {
  it("gives the newest n keys of all walks, page after page, as one sort of them all would", () => {
    // 40 walks of skewed sizes (walk i holds ~1/(i+1) of the keys), tied timestamps across walks.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; // a fixed sequence: the same run every time
      return (seed + 1) / 2_147_483_649;
    };
    let seq = 0;
    const lists: Key[][] = Array.from({ length: 40 }, () => []);
    for (let i = 0; i < 4000; i++) {
      const w = Math.min(39, Math.floor(1 / random()) - 1);
      lists[w]!.push({ seq: ++seq, enqueued_at: Math.floor(i / 3) });
    }
    const all = lists.flat().sort(newestFirst);
    for (const n of [1, 7, 21, 51]) {
      const walks = lists.map((keys, i) => listWalk(keys, i % 9 === 0));
      let bounds = OPEN;
      for (let page = 0; page < 5; page++) {
        const got = mergeWalks(walks, bounds, n);
        expect(got, `n ${n} page ${page}`).toEqual(all.slice(page * n, (page + 1) * n));
        const last = got.at(-1)!;
        bounds = { ...OPEN, beforeAt: last.enqueued_at, beforeSeq: last.seq };
      }
    }
  });

  it("reads a couple of keys from most walks, not a page from each", () => {
    const walks = Array.from({ length: 150 }, (_, w) =>
      listWalk(Array.from({ length: 100 }, (_, i) => ({ seq: w * 1000 + i, enqueued_at: w < 3 ? 10_000 + i : i }))),
    );
    const got = mergeWalks(walks, OPEN, 21);
    expect(got).toHaveLength(21);
    expect(got.every((k) => k.enqueued_at >= 10_000)).toBe(true);
    const handed = walks.reduce((sum, w) => sum + w.handed, 0);
    expect(handed).toBeLessThan(150 * 2 + 3 * 21 + 1); // a page from each would be 150 × 21
  });

  it("returns what there is when the walks hold fewer than n keys, and nothing for n = 0", () => {
    const walks = [listWalk([{ seq: 1, enqueued_at: 5 }]), listWalk([]), listWalk([{ seq: 2, enqueued_at: 5 }])];
    expect(mergeWalks(walks, OPEN, 10)).toEqual([
      { seq: 2, enqueued_at: 5 },
      { seq: 1, enqueued_at: 5 },
    ]);
    expect(mergeWalks(walks, OPEN, 0)).toEqual([]);
  });
});
