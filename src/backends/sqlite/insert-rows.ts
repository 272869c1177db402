import type { InsertValues } from "./rows.js";
import { INSERT, insertRows, PLAIN_VALUES } from "./sql/enqueue.js";
import type { Statements } from "./statements.js";

// Statement sizes, largest first: most of a batch goes 100 rows a statement, what is left 10 at
// a time, the last few one by one (sql/enqueue.ts: what each size saves).
const SIZES = [100, 10] as const;
const SQL = new Map(SIZES.map((rows) => [rows, { full: insertRows(rows, false), plain: insertRows(rows, true) }]));

/** A row whose optional settings (the values after the first PLAIN_VALUES) are all unset. */
function isPlain(values: InsertValues): boolean {
  for (let k = PLAIN_VALUES; k < values.length; k++) if (values[k] !== null) return false;
  return true;
}

/**
 * Stores these rows in the caller's transaction, in order (rowids follow it: the FIFO tie-break
 * of the claim order), with as few statements as the sizes allow; a group of rows that are all
 * plain binds only the values they set. All or nothing with that transaction, as the one-row
 * INSERTs were.
 */
export function insertAll(q: Statements, rows: readonly InsertValues[]): void {
  let i = 0;
  const params: (string | number | null)[] = [];
  for (const size of SIZES) {
    const sql = SQL.get(size) as { full: string; plain: string };
    for (; i + size <= rows.length; i += size) {
      const group = rows.slice(i, i + size);
      const plain = group.every(isPlain);
      params.length = 0;
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
