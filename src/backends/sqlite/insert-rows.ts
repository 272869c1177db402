import type { InsertValues } from "./rows.js";
import { INSERT, insertRows, insertSharedRows, PLAIN_VALUES } from "./sql/enqueue.js";
import type { Statements } from "./statements.js";

// Statement sizes, largest first: most of a batch goes 100 rows a statement, what is left 10 at
// a time, the last few one by one (sql/enqueue.ts: what each size saves).
const SIZES = [100, 10] as const;
const SQL = new Map(
  SIZES.map((rows) => [
    rows,
    { full: insertRows(rows, false), plain: insertRows(rows, true), shared: insertSharedRows(rows) },
  ]),
);

/** A row whose optional settings (the values after the first PLAIN_VALUES) are all unset. */
function isPlain(values: InsertValues): boolean {
  for (let k = PLAIN_VALUES; k < values.length; k++) if (values[k] !== null) return false;
  return true;
}

/**
 * The values a shared statement binds once by name (sql/enqueue.ts), and where each sits in a
 * row's values (rows.ts: InsertValues).
 */
const SHARED_AT = [
  ["taskName", 1],
  ["queueName", 3],
  ["priority", 4],
  ["runAfter", 5],
  ["dueAt", 6],
  ["enqueuedAt", 7],
  ["maxAttempts", 8],
] as const;
type Shared = Record<(typeof SHARED_AT)[number][0], string | number | null>;

/** What every row of a plain `group` shares beside its id and args, or null if they differ. */
function sharedBy(group: readonly InsertValues[]): Shared | null {
  const [first] = group;
  if (!first) return null;
  for (const values of group) for (const [, k] of SHARED_AT) if (values[k] !== first[k]) return null;
  const shared = {} as Shared;
  for (const [name, k] of SHARED_AT) shared[name] = first[k];
  return shared;
}

/**
 * Stores these rows in the caller's transaction, in order (rowids follow it: the FIFO tie-break
 * of the claim order), with as few statements as the sizes allow. A group of rows that differ
 * only by id and args (one enqueueMany call, the usual case) binds those two per row and the
 * rest once; a group of plain rows binds only the values they set. All or nothing with that
 * transaction, as the one-row INSERTs were.
 */
export function insertAll(q: Statements, rows: readonly InsertValues[]): void {
  let i = 0;
  const params: (string | number | null)[] = [];
  for (const size of SIZES) {
    const sql = SQL.get(size) as { full: string; plain: string; shared: string };
    for (; i + size <= rows.length; i += size) {
      const group = rows.slice(i, i + size);
      params.length = 0;
      const plain = group.every(isPlain);
      const shared = plain ? sharedBy(group) : null;
      if (shared) {
        for (const values of group) params.push(values[0], values[2]);
        q.get(sql.shared).run(params, shared);
        continue;
      }
      for (const values of group) {
        if (plain) for (let k = 0; k < PLAIN_VALUES; k++) params.push(values[k] as string | number | null);
        else params.push(...values);
      }
      q.get(plain ? sql.plain : sql.full).run(params);
    }
  }
  const one = q.get(INSERT);
  for (; i < rows.length; i++) one.run(...(rows[i] as InsertValues));
}
