import { BY_ACTIVE, READY_ROWS } from "./active.js";
import { LIMIT } from "./limit.js";

// The claim: READY_ROWS lets the planner use the partial index `*_active` (active.ts), and the
// ORDER BY matches its column order after (queue_name, status) (seq is the rowid every index
// ends with), so each candidate SELECT is an index walk that stops after LIMIT rows, with no sort.

const CLAIM_ORDER = `ORDER BY priority DESC, due_at, enqueued_at, seq ${LIMIT}`;
const READY_DUE = `${READY_ROWS} AND due_at <= @now`;

/** A queue's best candidates, in claim order (each queue of a list or of `*` is walked alone). */
export const CLAIM_SELECT = `SELECT seq, priority, due_at, enqueued_at FROM tasklane_results
    WHERE ${READY_DUE} AND queue_name = @queue ${CLAIM_ORDER}`;

/**
 * The queues that have READY rows, by skip-scan of `*_active`: one seek per queue, past that
 * queue's RUNNING entries (a handful) when it has any. A worker taking `*` claims from each
 * (migrations.ts, v4: there is no all-queues READY index).
 */
export const READY_QUEUES = `WITH RECURSIVE q(name) AS (
    SELECT (SELECT min(queue_name) ${BY_ACTIVE} WHERE ${READY_ROWS})
    UNION ALL
    SELECT (SELECT min(queue_name) ${BY_ACTIVE}
      WHERE ${READY_ROWS} AND queue_name > q.name) FROM q WHERE q.name IS NOT NULL)
  SELECT name FROM q WHERE name IS NOT NULL`;

// A unique task held "while READY" gives its key up as it starts (migrations.ts, v3).
const CLAIM_SET = `UPDATE tasklane_results SET status = 'RUNNING', worker_id = @workerId,
  started_at = coalesce(started_at, @now), last_attempted_at = @now, attempts = attempts + 1,
  worker_ids = json_insert(worker_ids, '$[#]', @workerId), lease_expires_at = @leaseExpiresAt,
  unique_hold = CASE WHEN unique_scope = 'ready' THEN NULL ELSE unique_hold END`;

/**
 * Claims one candidate: an UPDATE of one row by its rowid, then a SELECT of it. Measured
 * against one `UPDATE … WHERE seq IN (SELECT … LIMIT n) RETURNING *` over the same rows, in
 * one transaction each (bench figures on 2 cores): at n = 1, 160 µs against 640 µs per claim;
 * at n = 5, 66 against 121 µs per task; at n = 50 the same. The multi-row UPDATE with
 * RETURNING pays a fixed cost per statement that a single-row UPDATE by rowid does not.
 */
export const CLAIM_ONE = `${CLAIM_SET} WHERE seq = @seq AND status = 'READY'`;

/** The columns of rows.ts's ClaimedRow, in its order (read by a raw statement). */
const CLAIMED_COLUMNS = `seq, id, task_name, status, args, queue_name, priority, run_after, enqueued_at,
    started_at, finished_at, last_attempted_at, worker_ids, errors, max_attempts, timeout_ms, unique_key,
    concurrency_key, schedule`;

/** A claimed row read back, for a raw statement. */
export const CLAIMED_ROW = `SELECT ${CLAIMED_COLUMNS} FROM tasklane_results WHERE seq = ?`;

/**
 * One queue's best candidates read whole, in claim order: ClaimedRow's columns as they are
 * before the claim (claim-rows.ts sets what CLAIM_ONE changes), so no row is read twice. The
 * same walk of `*_active` as CLAIM_SELECT, reading each candidate's row as it goes; with raw
 * statements (50k no-ops, batches of 50, 5 interleaved rounds) claim + complete ran ~9% faster
 * than CLAIM_SELECT followed by CLAIMED_ROW per claimed row.
 */
export const CLAIM_ROWS = `SELECT ${CLAIMED_COLUMNS} FROM tasklane_results
    WHERE ${READY_DUE} AND queue_name = @queue ${CLAIM_ORDER}`;

// The earliest due_at of a queue's waiting work (a worker's next wake-up, and `tasks results`'
// oldest due task): one seek of `*_active` per priority value (-100..100), so the cost stays
// ~0.1 ms however many deferred tasks wait (a plain min() scans them all).
const PRIORITIES = "WITH RECURSIVE p(v) AS (SELECT -100 UNION ALL SELECT v + 1 FROM p WHERE v < 100)";
export const NEXT_DUE = `${PRIORITIES} SELECT min((SELECT due_at ${BY_ACTIVE}
    WHERE ${READY_ROWS} AND queue_name = @queue AND priority = p.v ORDER BY due_at LIMIT 1)) FROM p`;
