import type { InsertValues } from "./rows.js";
import { INSERT, insertRows } from "./sql/enqueue.js";
import type { Statements } from "./statements.js";

// Statement sizes, largest first: most of a batch goes 100 rows a statement, what is left 10 at
// a time, the last few one by one (sql/enqueue.ts: what each size saves).
const SIZES = [100, 10] as const;
const MANY = new Map<number, string>(SIZES.map((rows) => [rows, insertRows(rows)]));

/**
 * Stores these rows in the caller's transaction, in order (rowids follow it: the FIFO tie-break
 * of the claim order), with as few statements as the sizes allow. All or nothing with that
 * transaction, as the one-row INSERTs were.
 */
export function insertAll(q: Statements, rows: readonly InsertValues[]): void {
  let i = 0;
  for (const size of SIZES) {
    if (rows.length - i < size) continue;
    const insert = q.get(MANY.get(size) as string);
    const params: (string | number | null)[] = [];
    for (; i + size <= rows.length; i += size) {
      params.length = 0;
      for (let j = i; j < i + size; j++) params.push(...(rows[j] as InsertValues));
      insert.run(params);
    }
  }
  const one = q.get(INSERT);
  for (; i < rows.length; i++) one.run(...(rows[i] as InsertValues));
}
