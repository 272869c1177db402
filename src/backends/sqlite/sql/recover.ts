// Crash recovery. A claim gives the worker a lease (lease_expires_at = claim + leaseMs) and
// every heartbeat extends the leases of the tasks it holds. A RUNNING row whose lease ran out
// belongs to a worker that stopped heartbeating (killed, crashed, frozen), unless that worker
// still holds its liveness lock (liveness.ts: a task blocking its event loop). The rows are read,
// their fate decided in JS by the same rule as a failed attempt (attempts left, backoff), and
// written back in the same BEGIN IMMEDIATE transaction: two workers recovering at once are
// serialised by SQLite's write lock, and the second finds nothing left to take. Either way the
// lost attempt is recorded as a WorkerLost error.

import { RELEASE_ACTIVE } from "./complete.js";
import { runningRows } from "./running.js";

const LOST_ROW = "id, queue_name, task_name, attempts, max_attempts, worker_id, lease_expires_at";

export const SELECT_EXPIRED = runningRows(LOST_ROW, "lease_expires_at < @expiredBefore");

export const SELECT_OWN = runningRows(LOST_ROW, "worker_id = @workerId");

const LOST_ERROR = `errors = json_insert(errors, '$[#]', json_object(
    'exceptionClass', 'WorkerLost', 'message', @message, 'traceback', 'WorkerLost: ' || @message))`;
const STILL_LOST = "WHERE id = @id AND status = 'RUNNING' AND worker_id = @workerId";

export const REQUEUE_LOST = `UPDATE tasklane_results SET status = 'READY', run_after = @dueAt, due_at = @dueAt,
  ${LOST_ERROR}, worker_id = NULL, lease_expires_at = NULL ${STILL_LOST}`;

export const FAIL_LOST = `UPDATE tasklane_results SET status = 'FAILED', finished_at = @now,
  ${LOST_ERROR}, worker_id = NULL, lease_expires_at = NULL, ${RELEASE_ACTIVE} ${STILL_LOST}`;

const SILENT_WORKER = "id, started_at, pid, proc_key, proc_start";

/** Workers silent for a lease: each is marked dead unless its liveness lock says it lives (liveness.ts). */
export const SILENT_WORKERS = `SELECT ${SILENT_WORKER} FROM tasklane_workers
  WHERE state = 'running' AND last_heartbeat_at < @staleBefore`;

export const MARK_DEAD =
  "UPDATE tasklane_workers SET state = 'dead', stopped_at = @now WHERE id = @id AND state = 'running'";

/** The registration of the worker holding an expired lease: what names its liveness lock, and its process. */
export const SILENT_WORKER_BY_ID = `SELECT ${SILENT_WORKER} FROM tasklane_workers WHERE id = @id`;

export interface LostRow {
  id: string;
  queue_name: string;
  task_name: string;
  attempts: number;
  max_attempts: number;
  worker_id: string;
  lease_expires_at: number;
}
