import type { AttemptOutcome } from "../../contract/worker-store.js";
import type { ChurnMap } from "../../core/churn-map.js";
import { CountDeltas, type CountedRow } from "./counts.js";
import { FAIL, RETRY, SUCCEED } from "./sql/complete.js";
import { HELD_OF } from "./sql/enqueue.js";
import type { Statements } from "./statements.js";

// The completion's row work inside the store's transaction (store.ts), as claim-rows.ts is the
// claim's: each outcome applied to its holder's row, the counts written once.

/** A claimed row as a completion addresses it: by rowid, counted under its queue and task. */
export interface HeldRow extends CountedRow {
  seq: number;
}

/** Whether any of these outcomes sends its task back to READY (a retry): new work to claim. */
export const hasRetry = (outcomes: readonly AttemptOutcome[]): boolean =>
  outcomes.some((o) => o.status === "FAILED" && Boolean(o.retryAt));

/**
 * Applies the outcomes and their counts (call inside a transaction); returns the dropped ids.
 * `held`: the rows this connection claimed, by id (else the id index finds them); each outcome's
 * entry is removed.
 */
export function completeRows(q: Statements, held: ChurnMap<string, HeldRow>, outcomes: AttemptOutcome[]): string[] {
  if (outcomes.length === 0) return [];
  const counts = new CountDeltas();
  const dropped: string[] = [];
  for (const outcome of outcomes) {
    const row = held.get(outcome.id) ?? q.get<HeldRow>(HELD_OF).get(outcome.id);
    held.delete(outcome.id);
    if (row === undefined || !completeOne(q, row, outcome, counts)) dropped.push(outcome.id);
  }
  counts.flush(q);
  return dropped;
}

/** Applies one outcome to the holder's row; false when the row is no longer held (dropped). */
function completeOne(q: Statements, held: HeldRow, outcome: AttemptOutcome, counts: CountDeltas): boolean {
  // Each statement's parameters as one literal: a spread copy given one more property made V8
  // promote these to the old generation in a drain (see applyOutcome in contract/records.ts).
  const { seq } = held;
  const { workerId, attempt } = outcome;
  const finishedAt = outcome.finishedAt.getTime();
  if (outcome.status === "SUCCEEDED") {
    const returnValue = outcome.returnJson ?? JSON.stringify(outcome.returnValue ?? null);
    if (q.get(SUCCEED).run({ seq, workerId, attempt, finishedAt, returnValue }).changes === 0) return false;
    counts.add(held, "SUCCEEDED", 1, finishedAt);
    return true;
  }
  const error = outcome.error ? JSON.stringify(outcome.error) : null;
  if (outcome.retryAt) {
    return (
      q.get(RETRY).run({ seq, workerId, attempt, finishedAt, error, retryAt: outcome.retryAt.getTime() }).changes > 0
    );
  }
  if (q.get(FAIL).run({ seq, workerId, attempt, finishedAt, error }).changes === 0) return false;
  counts.add(held, "FAILED", 1, finishedAt);
  return true;
}
