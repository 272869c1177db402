import type { IdOutcome, ResultFilter, RetryOptions } from "../../contract/management.js";
import type { TaskResultStatus } from "../../core/result.js";
import { CountDeltas, countRows } from "./counts.js";
import { gapAfter, waitUntil } from "./lock-gaps.js";
import { allows, jsonList, manageStatements, normalize } from "./manage-sql.js";
import type { SqliteStore } from "./store.js";

// The operator's status changes (tasks retry, cancel): each UPDATE re-checks the status it
// expects, inside BEGIN IMMEDIATE, so it never races a worker's claim or completion.

/** Rows per transaction for bulk status changes (retryFailed), as for prune. */
const BATCH = 2000;

/** FAILED → READY for each id, granting attempts again (the task's maxAttempts, else 1). */
export function retryIds(store: SqliteStore, ids: string[], options: RetryOptions): IdOutcome[] {
  const q = manageStatements(store.statements);
  const grants = JSON.stringify(options.attempts ?? {});
  const outcomes = changeEach(store, ids, (id, now, counts) => {
    const row = q.retry.get({ id, now, grants });
    if (!row) return refused(id, q.statusOf.get(id), "only FAILED results can be retried");
    counts.add(row, "FAILED", -1);
    return { id, ok: true, status: "FAILED" };
  });
  if (outcomes.some((o) => o.ok)) store.changedLocally();
  return outcomes;
}

/** Every FAILED result matching the filter back to READY, in short transactions; returns their ids. */
export async function retryFailed(store: SqliteStore, filter: ResultFilter, options: RetryOptions): Promise<string[]> {
  const f = normalize(filter);
  if (!allows(f.statuses, "FAILED")) return [];
  const q = manageStatements(store.statements);
  const grants = JSON.stringify(options.attempts ?? {});
  // The matching rows as of now, then short transactions: each row is retried at most once
  // (one that fails again meanwhile is not picked up a second time).
  const seqs = q.failedSeqs.all({ since: f.since, queues: jsonList(f.queues), tasks: jsonList(f.tasks) });
  const retryBatch = store.db.transaction((batch: number[]) => {
    const rows = q.retrySeqs.all({ seqs: JSON.stringify(batch), now: Date.now(), grants });
    countRows(store.statements, rows, "FAILED", -1);
    return rows.map((row) => row.id);
  });
  const retried: string[] = [];
  let lockFreeUntil = 0;
  for (let i = 0; i < seqs.length; i += BATCH) {
    await waitUntil(lockFreeUntil); // as prune does: leave other writers a gap
    const started = performance.now();
    retried.push(...retryBatch.immediate(seqs.slice(i, i + BATCH)));
    const ended = performance.now();
    lockFreeUntil = ended + gapAfter(ended - started);
  }
  if (retried.length > 0) store.changedLocally();
  return retried;
}

/** READY → CANCELLED for each id. */
export function cancelIds(store: SqliteStore, ids: string[]): IdOutcome[] {
  const q = manageStatements(store.statements);
  return changeEach(store, ids, (id, now, counts) => {
    const row = q.cancel.get({ id, now });
    if (row) {
      counts.add(row, "CANCELLED", 1, now);
      return { id, ok: true, status: "READY" };
    }
    const status = q.statusOf.get(id);
    const why = status === "RUNNING" ? "it has already started; " : "";
    return refused(id, status, `${why}only READY results can be cancelled`);
  });
}

function refused(id: string, status: TaskResultStatus | undefined, rule: string): IdOutcome {
  if (status === undefined) return { id, ok: false, reason: "no such result" };
  return { id, ok: false, status, reason: `is ${status}; ${rule}` };
}

/**
 * Applies `change` to each id in one BEGIN IMMEDIATE transaction, with the counts it changed,
 * and returns one outcome per input, in order (a repeated id gets the outcome of its first occurrence).
 */
function changeEach(
  store: SqliteStore,
  ids: readonly string[],
  change: (id: string, now: number, counts: CountDeltas) => IdOutcome,
): IdOutcome[] {
  if (ids.length === 0) return [];
  return store.db
    .transaction(() => {
      const now = Date.now();
      const counts = new CountDeltas();
      const done = new Map<string, IdOutcome>();
      const outcomes = ids.map((id) => {
        let outcome = done.get(id);
        if (!outcome) {
          outcome = change(id, now, counts);
          done.set(id, outcome);
        }
        return { ...outcome };
      });
      counts.flush(store.statements);
      return outcomes;
    })
    .immediate();
}
