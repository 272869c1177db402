import type { EnqueueRequest } from "../../core/environment.js";
import type { TaskResultData } from "../../core/result.js";
import { holdOf, type InsertValues, insertValues, type ResultRow, rowToRecord } from "./rows.js";
import { INSERT } from "./sql/enqueue.js";
import { HOLDER, INSERT_UNLESS_HELD, RELEASE_EXPIRED } from "./sql/unique.js";
import type { Statements } from "./statements.js";

/**
 * Stores each record unless its unique key is held, inside the caller's transaction (BEGIN
 * IMMEDIATE: no other process can take or give up a hold between the check and the insert).
 * Returns, per record in order, the record stored or the holder's, marked `deduplicated`; a
 * later record of the batch can be held by an earlier one. A period hold whose end has passed
 * is given up first, so its key is free again.
 */
export function insertUnlessHeld(
  q: Statements,
  alias: string,
  records: readonly TaskResultData[],
  requests: readonly (EnqueueRequest | undefined)[],
): { records: TaskResultData[]; stored: number } {
  const out: TaskResultData[] = [];
  let stored = 0;
  for (const [i, record] of records.entries()) {
    const request = requests[i];
    const values = insertValues(record, request);
    const holder = request?.unique
      ? insertOrHolder(q, values, holdOf(record.taskName, request.unique.key), record.enqueuedAt.getTime())
      : insertPlain(q, values);
    if (holder) out.push({ ...rowToRecord(holder, alias), deduplicated: true });
    else {
      out.push(record);
      stored++;
    }
  }
  return { records: out, stored };
}

/**
 * One record outside any transaction: a lone INSERT that does nothing when the key is held is
 * atomic by itself, so the common case (a free key) costs one statement and one commit, as a
 * plain enqueue does. False when the key was held: then insertUnlessHeld, in a transaction,
 * finds the holder (or stores the record after all, if the hold ended meanwhile or had expired).
 */
export function insertIfFree(q: Statements, record: TaskResultData, request: EnqueueRequest): boolean {
  return q.get(INSERT_UNLESS_HELD).run(...insertValues(record, request)).changes === 1;
}

function insertPlain(q: Statements, values: InsertValues): null {
  q.get(INSERT).run(...values);
  return null;
}

/** Inserts the row, or returns the row holding its key (null once the row is stored). */
function insertOrHolder(q: Statements, values: InsertValues, hold: string, now: number): ResultRow | null {
  if (q.get(INSERT_UNLESS_HELD).run(...values).changes === 1) return null;
  const holder = q.get<ResultRow>(HOLDER).get(hold);
  if (holder && q.get(RELEASE_EXPIRED).run({ seq: holder.seq, now }).changes === 0) return holder;
  q.get(INSERT).run(...values);
  return null;
}
