import type { Diagnosis } from "../../contract/diagnosis.js";
import type { WorkerInfo } from "../../contract/management.js";
import { TaskResultDoesNotExist } from "../../core/errors.js";
import { windowStart } from "./controlled-claim.js";
import { holdOf, type ResultRow, rowToRecord } from "./rows.js";
import { RATE_WINDOW, RUNNING_IN_QUEUE } from "./sql/controls.js";
import { DUE_AHEAD, KEY_RUNNING, RUNNING_HOLDERS, UNIQUE_HOLDER } from "./sql/diagnose.js";
import { GET } from "./sql/enqueue.js";
import type { SqliteStore } from "./store.js";

/** The facts behind `tasks why ID`, read in one transaction (a consistent picture). */
export function diagnose(
  store: SqliteStore,
  id: string,
  paused: ReadonlyMap<string, Date | null>,
  workers: WorkerInfo[],
): Diagnosis {
  const q = store.statements;
  return store.db.transaction((): Diagnosis => {
    const row = q.get<ResultRow>(GET).get(id);
    if (!row) throw new TaskResultDoesNotExist(`No task result with id ${id} in backend "${store.alias}"`);
    const now = Date.now();
    const queue = row.queue_name;
    const limits = store.controls.limits[queue] ?? null;
    let rateUsed: number | null = null;
    let rateWindowEndsAt: Date | null = null;
    if (limits?.rate) {
      const start = windowStart(now, limits.rate.periodMs);
      const window = q.get<{ window_start: number; window_count: number }>(RATE_WINDOW).get({ queue });
      rateUsed = window?.window_start === start ? window.window_count : 0;
      rateWindowEndsAt = new Date(start + limits.rate.periodMs);
    }
    const holders = q.get<{ id: string; worker_id: string | null }>(RUNNING_HOLDERS).all({ queue });
    const dueAhead =
      row.status === "READY"
        ? (q.pluck<number>(DUE_AHEAD).get({
            queue,
            now,
            priority: row.priority,
            dueAt: row.due_at,
            enqueuedAt: row.enqueued_at,
            seq: row.seq,
          }) ?? 0)
        : 0;
    const key =
      row.concurrency_key !== null && row.concurrency_limit !== null
        ? {
            key: row.concurrency_key,
            limit: row.concurrency_limit,
            runningIds: q.pluck<string>(KEY_RUNNING).all({ key: row.concurrency_key }),
          }
        : null;
    const unique =
      row.unique_key !== null
        ? {
            key: row.unique_key,
            holderId: q.pluck<string>(UNIQUE_HOLDER).get({ hold: holdOf(row.task_name, row.unique_key) }) ?? null,
          }
        : null;
    return {
      result: rowToRecord(row, store.alias),
      queue: {
        name: queue,
        paused: paused.has(queue),
        pausedAt: paused.get(queue) ?? null,
        running: q.pluck<number>(RUNNING_IN_QUEUE).get({ queue }) ?? 0,
        runningHolders: holders.map((h) => ({ id: h.id, workerId: h.worker_id })),
        limits,
        rateUsed,
        rateWindowEndsAt,
        dueAhead,
      },
      key,
      unique,
      workers,
      leaseExpiresAt: row.lease_expires_at === null ? null : new Date(row.lease_expires_at),
    };
  })();
}
