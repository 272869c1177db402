import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../../core/errors.js";
import type { TaskResultData } from "../../core/result.js";
import type { AttemptOutcome, QueueSelector, WorkerRegistration } from "../../contract/backend.js";
import { createPrivateFile, enableWal } from "./open.js";
import { compareClaimOrder, type InsertValues, insertValues, type ResultRow, rowToRecord } from "./rows.js";
import { assertNotNewer, migrate } from "./schema.js";

// Loaded with require, not `import Database from`: a config loaded through jiti runs this
// module under jiti's CommonJS interop, where a default import of this CommonJS package can
// come back undefined (seen when the host process had already imported it natively).
const Database = createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3;

export interface SqliteStoreOptions {
  /** Absolute path of the database file; its folder is created if missing. */
  path: string;
  /** Backend alias written into every record read (`backend` is not a column). */
  alias: string;
  /** How long a claim holds a task before recovery may take it back. Default 30000. */
  leaseMs?: number;
  /** How long to wait for another process's write lock. Default 5000. */
  busyTimeoutMs?: number;
}

// ---------------------------------------------------------------------------------------
// SQL. Every statement is a constant of this module, prepared once per connection; values
// (queue names, ids, …) are always bound parameters, and queue lists are bound as one JSON
// array read back with json_each(?). No SQL text is ever built from user input.
// ---------------------------------------------------------------------------------------

const INSERT = `INSERT INTO tasklane_results
  (id, task_name, status, args, queue_name, priority, run_after, due_at, enqueued_at, max_attempts)
  VALUES (?, ?, 'READY', ?, ?, ?, ?, ?, ?, ?)`;

const GET = "SELECT * FROM tasklane_results WHERE id = ?";

// The claim: the literal `status = 'READY'` lets the planner use the partial indexes, and the
// ORDER BY matches their column order (seq is the rowid every index ends with), so each
// candidate SELECT is an index walk that stops after LIMIT rows, with no sort.
const CLAIM_ORDER = "ORDER BY priority DESC, due_at, enqueued_at, seq LIMIT @limit";
const READY_DUE = "status = 'READY' AND due_at <= @now";

/** Candidate SELECTs, one per selector shape (`queue` also serves each queue of a list). */
export const CLAIM_SELECT = {
  queue: `SELECT seq, priority, due_at, enqueued_at FROM tasklane_results
    WHERE ${READY_DUE} AND queue_name = @queue ${CLAIM_ORDER}`,
  all: `SELECT seq FROM tasklane_results WHERE ${READY_DUE} ${CLAIM_ORDER}`,
  allExcept: `SELECT seq FROM tasklane_results
    WHERE ${READY_DUE} AND queue_name NOT IN (SELECT value FROM json_each(@queues)) ${CLAIM_ORDER}`,
} as const;

const CLAIM_SET = `UPDATE tasklane_results SET status = 'RUNNING', worker_id = @workerId,
  started_at = coalesce(started_at, @now), last_attempted_at = @now, attempts = attempts + 1,
  worker_ids = json_insert(worker_ids, '$[#]', @workerId), lease_expires_at = @leaseExpiresAt`;

/** The claim UPDATEs, one per shape; for a queue list it claims the seqs merged in JS. */
export const CLAIM_UPDATE = {
  queue: `${CLAIM_SET} WHERE seq IN (SELECT seq FROM tasklane_results
    WHERE ${READY_DUE} AND queue_name = @queue ${CLAIM_ORDER}) RETURNING *`,
  all: `${CLAIM_SET} WHERE seq IN (${CLAIM_SELECT.all}) RETURNING *`,
  allExcept: `${CLAIM_SET} WHERE seq IN (${CLAIM_SELECT.allExcept}) RETURNING *`,
  seqs: `${CLAIM_SET} WHERE seq IN (SELECT value FROM json_each(@seqs)) AND status = 'READY' RETURNING *`,
} as const;

// Outcomes apply only to the holder's RUNNING row: a task recovered from a worker presumed
// dead (and maybe claimed again) is never overwritten by that worker finishing late.
const HELD = "WHERE id = @id AND status = 'RUNNING' AND worker_id = @workerId";
const APPEND_ERROR = "errors = CASE WHEN @error IS NULL THEN errors ELSE json_insert(errors, '$[#]', json(@error)) END";
const SUCCEED = `UPDATE tasklane_results SET status = 'SUCCEEDED', finished_at = @finishedAt,
  return_value = @returnValue, worker_id = NULL, lease_expires_at = NULL ${HELD}`;
const FAIL = `UPDATE tasklane_results SET status = 'FAILED', finished_at = @finishedAt, ${APPEND_ERROR},
  worker_id = NULL, lease_expires_at = NULL ${HELD}`;
const RETRY = `UPDATE tasklane_results SET status = 'READY', run_after = @retryAt, due_at = @retryAt, ${APPEND_ERROR},
  worker_id = NULL, lease_expires_at = NULL ${HELD}`;

// The earliest due_at of waiting work: one index seek per priority value (-100..100), so the
// cost stays ~0.1 ms however many deferred tasks wait (a plain min() scans them all).
const PRIORITIES = "WITH RECURSIVE p(v) AS (SELECT -100 UNION ALL SELECT v + 1 FROM p WHERE v < 100)";
const NEXT_DUE = {
  queue: `${PRIORITIES} SELECT min((SELECT due_at FROM tasklane_results
    WHERE status = 'READY' AND queue_name = @queue AND priority = p.v ORDER BY due_at LIMIT 1)) FROM p`,
  all: `${PRIORITIES} SELECT min((SELECT due_at FROM tasklane_results
    WHERE status = 'READY' AND priority = p.v ORDER BY due_at LIMIT 1)) FROM p`,
  allExcept: `${PRIORITIES} SELECT min((SELECT due_at FROM tasklane_results
    WHERE status = 'READY' AND priority = p.v AND queue_name NOT IN (SELECT value FROM json_each(@queues))
    ORDER BY due_at LIMIT 1)) FROM p`,
} as const;

const REGISTER_WORKER = `INSERT INTO tasklane_workers
  (id, hostname, pid, queues, started_at, last_heartbeat_at, state, stopped_at)
  VALUES (@id, @hostname, @pid, @queues, @startedAt, @now, 'running', NULL)
  ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, queues = excluded.queues,
  started_at = excluded.started_at, last_heartbeat_at = excluded.last_heartbeat_at, state = 'running', stopped_at = NULL`;
// A heartbeat also revives a worker presumed dead (it was only slow): the registry then tells
// the truth again, while the tasks it lost stay with whoever recovered them.
const HEARTBEAT = `UPDATE tasklane_workers SET last_heartbeat_at = @now, state = 'running', stopped_at = NULL
  WHERE id = @workerId AND state <> 'stopped'`;
const EXTEND_LEASES = `UPDATE tasklane_results SET lease_expires_at = @leaseExpiresAt
  WHERE status = 'RUNNING' AND worker_id = @workerId`;
const STOP_WORKER = "UPDATE tasklane_workers SET state = 'stopped', stopped_at = @now WHERE id = @workerId";

type Shape = "queue" | "all" | "allExcept" | "queues";
type Candidate = Pick<ResultRow, "seq" | "priority" | "due_at" | "enqueued_at">;
type Stmt<R = unknown> = BetterSqlite3.Statement<unknown[], R>;

/** Which prepared statement serves a selector. A one-element list is the single-queue case. */
function shapeOf(selector: QueueSelector): { shape: Shape; queues: string[] } {
  if (selector.include === "*") {
    return selector.exclude.length > 0
      ? { shape: "allExcept", queues: selector.exclude }
      : { shape: "all", queues: [] };
  }
  const queues = [...new Set(selector.include)];
  return { shape: queues.length === 1 ? "queue" : "queues", queues };
}

/**
 * All of the SQLite backend's SQL, over one better-sqlite3 connection. Every method is
 * synchronous (better-sqlite3 is); the backend wraps them in the async Backend API.
 */
export class SqliteStore {
  readonly path: string;
  readonly alias: string;
  readonly leaseMs: number;
  readonly busyTimeoutMs: number;
  readonly db: BetterSqlite3.Database;
  /** Called after this connection adds or re-queues work (other connections see data_version). */
  onLocalChange: (() => void) | undefined;
  #localWrites = 0;
  #claimStamp: string | undefined;
  readonly #insert: Stmt;
  readonly #get: Stmt<ResultRow>;
  readonly #claimSelectQueue: Stmt<Candidate>;
  readonly #claimUpdate: Record<keyof typeof CLAIM_UPDATE, Stmt<ResultRow>>;
  readonly #nextDue: Record<keyof typeof NEXT_DUE, Stmt<number | null>>;
  readonly #succeed: Stmt;
  readonly #fail: Stmt;
  readonly #retry: Stmt;
  readonly #registerWorker: Stmt;
  readonly #heartbeat: Stmt;
  readonly #extendLeases: Stmt;
  readonly #stopWorker: Stmt;
  readonly #dataVersion: Stmt<number>;
  readonly #insertMany: BetterSqlite3.Transaction<(rows: InsertValues[]) => void>;
  readonly #claimTx: BetterSqlite3.Transaction<
    (workerId: string, selector: QueueSelector, limit: number, now: number, completed: AttemptOutcome[]) => ResultRow[]
  >;
  readonly #busyOff: Stmt<number>;
  readonly #busyOn: Stmt<number>;
  readonly #completeTx: BetterSqlite3.Transaction<(outcomes: AttemptOutcome[]) => number>;
  readonly #heartbeatTx: BetterSqlite3.Transaction<(workerId: string, now: number) => void>;

  constructor(options: SqliteStoreOptions) {
    this.path = options.path;
    this.alias = options.alias;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    createPrivateFile(this.path);
    this.db = new Database(this.path, { timeout: this.busyTimeoutMs });
    try {
      // Refuse a newer schema before any pragma that writes, so the file stays unchanged.
      assertNotNewer(this.db, this.path);
      enableWal(this.db, this.busyTimeoutMs);
      this.db.pragma("synchronous = NORMAL");
      migrate(this.db, this.path);
    } catch (error) {
      this.db.close();
      const code = (error as { code?: string }).code;
      if (code === "SQLITE_NOTADB") throw new ConfigError(`${this.path} is not a SQLite database`);
      throw error;
    }
    const db = this.db;
    this.#insert = db.prepare(INSERT);
    this.#get = db.prepare(GET) as Stmt<ResultRow>;
    this.#claimSelectQueue = db.prepare(CLAIM_SELECT.queue) as Stmt<Candidate>;
    this.#claimUpdate = {
      queue: db.prepare(CLAIM_UPDATE.queue) as Stmt<ResultRow>,
      all: db.prepare(CLAIM_UPDATE.all) as Stmt<ResultRow>,
      allExcept: db.prepare(CLAIM_UPDATE.allExcept) as Stmt<ResultRow>,
      seqs: db.prepare(CLAIM_UPDATE.seqs) as Stmt<ResultRow>,
    };
    this.#nextDue = {
      queue: db.prepare(NEXT_DUE.queue).pluck() as Stmt<number | null>,
      all: db.prepare(NEXT_DUE.all).pluck() as Stmt<number | null>,
      allExcept: db.prepare(NEXT_DUE.allExcept).pluck() as Stmt<number | null>,
    };
    this.#succeed = db.prepare(SUCCEED);
    this.#fail = db.prepare(FAIL);
    this.#retry = db.prepare(RETRY);
    this.#registerWorker = db.prepare(REGISTER_WORKER);
    this.#heartbeat = db.prepare(HEARTBEAT);
    this.#extendLeases = db.prepare(EXTEND_LEASES);
    this.#stopWorker = db.prepare(STOP_WORKER);
    this.#dataVersion = db.prepare("PRAGMA data_version").pluck() as Stmt<number>;
    this.#insertMany = db.transaction((rows: InsertValues[]) => {
      for (const values of rows) this.#insert.run(...values);
    });
    this.#claimTx = db.transaction((workerId, selector, limit, now, completed) => {
      for (const outcome of completed) this.#completeOne(outcome);
      return this.#claimRows(workerId, selector, limit, now);
    });
    // A pragma takes no bound parameter; busyTimeoutMs is an integer validated by the config.
    this.#busyOff = db.prepare("PRAGMA busy_timeout = 0").pluck() as Stmt<number>;
    this.#busyOn = db.prepare(`PRAGMA busy_timeout = ${Math.trunc(this.busyTimeoutMs)}`).pluck() as Stmt<number>;
    this.#completeTx = db.transaction((outcomes) => {
      let changed = 0;
      for (const outcome of outcomes) changed += this.#completeOne(outcome);
      return changed;
    });
    this.#heartbeatTx = db.transaction((workerId, now) => {
      this.#heartbeat.run({ workerId, now });
      this.#extendLeases.run({ workerId, leaseExpiresAt: now + this.leaseMs });
    });
  }

  /** Stores READY records built by `readyRecord`: one INSERT for one, one transaction for many. */
  insert(records: TaskResultData[]): void {
    if (records.length === 1) this.#insert.run(...insertValues(records[0] as TaskResultData));
    else if (records.length > 1) this.#insertMany.immediate(records.map(insertValues));
    else return;
    this.#changedLocally();
  }

  get(id: string): TaskResultData | undefined {
    const row = this.#get.get(id);
    return row ? rowToRecord(row, this.alias) : undefined;
  }

  /**
   * Moves up to `limit` due READY tasks of the selected queues to RUNNING for `workerId`,
   * in claim order, inside BEGIN IMMEDIATE: no two callers (in any process) get the same task.
   * `completed` outcomes are recorded first, in the same transaction (one lock, one commit).
   */
  claim(
    workerId: string,
    selector: QueueSelector,
    limit: number,
    now: number = Date.now(),
    completed: AttemptOutcome[] = [],
  ): TaskResultData[] {
    if (limit <= 0 && completed.length === 0) return [];
    const rows = this.#claimTx.immediate(workerId, selector, Math.max(0, Math.floor(limit)), now, completed);
    if (completed.some((o) => o.status === "FAILED" && o.retryAt)) this.#changedLocally();
    return rows.sort(compareClaimOrder).map((row) => rowToRecord(row, this.alias));
  }

  /**
   * Runs `fn` with SQLite's busy handler off: a locked database throws SQLITE_BUSY at once
   * instead of sleeping. The handler sleeps synchronously (1, 2, 5, 10… ms), which would
   * freeze this worker's event loop, and its running async tasks, while another process
   * holds the lock; the backend retries such calls with short asynchronous waits instead.
   */
  withoutBusyWait<T>(fn: () => T): T {
    this.#busyOff.get();
    try {
      return fn();
    } finally {
      this.#busyOn.get();
    }
  }

  #claimRows(workerId: string, selector: QueueSelector, limit: number, now: number): ResultRow[] {
    // Seen under the write lock: any later commit by another connection changes it.
    this.#claimStamp = this.changeStamp();
    const params = { workerId, now, limit, leaseExpiresAt: now + this.leaseMs };
    const { shape, queues } = shapeOf(selector);
    switch (shape) {
      case "all":
        return this.#claimUpdate.all.all(params);
      case "allExcept":
        return this.#claimUpdate.allExcept.all({ ...params, queues: JSON.stringify(queues) });
      case "queue":
        return this.#claimUpdate.queue.all({ ...params, queue: queues[0] });
      case "queues": {
        // Each queue's best `limit` candidates through its index, merged here: k short index
        // walks instead of one sort of every due task of k queues.
        if (queues.length === 0) return [];
        const candidates: Candidate[] = [];
        for (const queue of queues) candidates.push(...this.#claimSelectQueue.all({ queue, now, limit }));
        if (candidates.length === 0) return [];
        const seqs = candidates
          .sort(compareClaimOrder)
          .slice(0, limit)
          .map((c) => c.seq);
        return this.#claimUpdate.seqs.all({ ...params, seqs: JSON.stringify(seqs) });
      }
    }
  }

  /** Records finished attempts in one transaction; returns how many rows were updated. */
  complete(outcomes: AttemptOutcome[]): number {
    if (outcomes.length === 0) return 0;
    const changed = this.#completeTx.immediate(outcomes);
    if (outcomes.some((o) => o.status === "FAILED" && o.retryAt)) this.#changedLocally();
    return changed;
  }

  #completeOne(outcome: AttemptOutcome): number {
    const held = { id: outcome.id, workerId: outcome.workerId, finishedAt: outcome.finishedAt.getTime() };
    if (outcome.status === "SUCCEEDED") {
      return this.#succeed.run({ ...held, returnValue: JSON.stringify(outcome.returnValue ?? null) }).changes;
    }
    const error = outcome.error ? JSON.stringify(outcome.error) : null;
    if (outcome.retryAt) return this.#retry.run({ ...held, error, retryAt: outcome.retryAt.getTime() }).changes;
    return this.#fail.run({ ...held, error }).changes;
  }

  registerWorker(worker: WorkerRegistration, now: number = Date.now()): void {
    this.#registerWorker.run({
      id: worker.id,
      hostname: worker.hostname,
      pid: worker.pid,
      queues: worker.queues,
      startedAt: worker.startedAt.getTime(),
      now,
    });
  }

  /** Marks the worker alive and extends the leases of the tasks it holds to now + leaseMs. */
  heartbeat(workerId: string, now: number = Date.now()): void {
    this.#heartbeatTx.immediate(workerId, now);
  }

  markWorkerStopped(workerId: string, now: number = Date.now()): void {
    this.#stopWorker.run({ workerId, now });
  }

  /** Milliseconds until the earliest READY task of these queues is due (0 if one is), or null. */
  nextDueInMs(selector: QueueSelector, now: number = Date.now()): number | null {
    const { shape, queues } = shapeOf(selector);
    let due: number | null = null;
    if (shape === "all") due = this.#nextDue.all.get() ?? null;
    else if (shape === "allExcept") due = this.#nextDue.allExcept.get({ queues: JSON.stringify(queues) }) ?? null;
    else {
      for (const queue of queues) {
        const d = this.#nextDue.queue.get({ queue }) ?? null;
        if (d !== null && (due === null || d < due)) due = d;
      }
    }
    return due === null ? null : Math.max(0, due - now);
  }

  /**
   * Changes whenever another connection commits (SQLite's data_version) or this one adds or
   * re-queues work. The wake-up watcher compares it with the stamp taken by the last claim.
   */
  changeStamp(): string {
    return `${this.#dataVersion.get()}:${this.#localWrites}`;
  }

  /** The change stamp as of the last claim (undefined before the first one). */
  get claimStamp(): string | undefined {
    return this.#claimStamp;
  }

  /** EXPLAIN QUERY PLAN lines of the claim's candidate SELECT and of its UPDATE, for a shape. */
  explainClaim(shape: keyof typeof CLAIM_SELECT): { select: string[]; update: string[] } {
    const params: Record<string, unknown> = {
      workerId: "w",
      now: Date.now(),
      limit: 1,
      leaseExpiresAt: 0,
      queue: "default",
      queues: "[]",
    };
    const plan = (sql: string) =>
      (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail);
    return { select: plan(CLAIM_SELECT[shape]), update: plan(CLAIM_UPDATE[shape]) };
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  #changedLocally(): void {
    this.#localWrites++;
    this.onLocalChange?.();
  }
}
