import type { Key } from "./manage-sql.js";

/** A keyset page's bounds, as every walk of manage-walks.ts binds them. */
export interface PageBounds {
  since: number;
  beforeAt: number;
  beforeSeq: number;
}

/**
 * One newest-first walk: the rows strictly older than (beforeAt, beforeSeq), at most `limit`.
 * `sorted`: the statement reads all its range and sorts it (a queue's READY or RUNNING rows), so
 * reading it a bit at a time would pay for that again: it is read a page's worth at once.
 */
export interface Walk {
  read(bounds: PageBounds & { limit: number }): Key[];
  sorted?: boolean;
}

export const newestFirst = (a: Key, b: Key) => b.enqueued_at - a.enqueued_at || b.seq - a.seq;

/**
 * The newest `n` keys of all the walks, reading each only as far as the page needs. A listing
 * merges one walk per (queue, task) of the index it reads (migrations.ts, v8): 150 of them for 5
 * queues of 30 tasks. Reading a page's worth from each read 3,150 keys for a page of 21 (2.9 ms
 * at a million rows); here each gives a couple first, and only those whose last key is still
 * inside the page so far are read further (a few, the busiest tasks).
 */
export function mergeWalks(walks: readonly Walk[], bounds: PageBounds, n: number): Key[] {
  if (n <= 0) return [];
  const first = Math.max(2, Math.ceil((2 * n) / Math.max(1, walks.length)));
  const open = walks.map((walk) => ({ walk, last: null as Key | null, more: true }));
  const keys: Key[] = [];
  const read = (state: (typeof open)[number], limit: number) => {
    const { last } = state;
    const rows = state.walk.read({
      ...bounds,
      beforeAt: last?.enqueued_at ?? bounds.beforeAt,
      beforeSeq: last?.seq ?? bounds.beforeSeq,
      limit,
    });
    keys.push(...rows);
    state.more = rows.length === limit;
    state.last = rows.at(-1) ?? last;
  };
  for (const state of open) read(state, state.walk.sorted ? n : first);
  for (;;) {
    keys.sort(newestFirst);
    // The page's last key so far: a walk whose last key is newer may hold more of the page.
    const cut = keys.length >= n ? (keys[n - 1] as Key) : null;
    const pending = open.filter((s) => s.more && (cut === null || (s.last !== null && newestFirst(s.last, cut) <= 0)));
    if (pending.length === 0) return keys.slice(0, n);
    for (const state of pending) read(state, n);
  }
}
