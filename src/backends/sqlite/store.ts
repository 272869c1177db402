import type BetterSqlite3 from "better-sqlite3";
import type { AttemptOutcome, QueueSelector, WorkerRegistration } from "../../contract/worker-store.js";
import { ChurnMap } from "../../core/churn-map.js";
import { SQLITE_DEFAULTS } from "../../core/defaults.js";
import type { EnqueueRequest } from "../../core/environment.js";
import type { TaskResultData } from "../../core/result.js";
import { heartbeatWriter } from "./beat.js";
import { busySwitch } from "./busy-switch.js";
import { type ClaimParams, claimSeqs, countStarts, plainClaim } from "./claim-rows.js";
import { completeRows, type HeldRow, hasRetry } from "./complete-rows.js";
import { type ClaimControls, planControlledClaim, queueRooms } from "./controlled-claim.js";
import { insertAll } from "./insert-rows.js";
import { ownIdentity } from "./local-process.js";
import { openDatabase } from "./open.js";
import {
  type ClaimedRow,
  claimedToRecord,
  type InsertValues,
  insertValues,
  type ResultRow,
  rowToRecord,
} from "./rows.js";
import { CLAIM_ONE, CLAIM_ROWS, CLAIM_SELECT, NEXT_DUE, READY_QUEUES } from "./sql/claim.js";
import { PAUSED_QUEUES } from "./sql/controls.js";
import { DATA_VERSION, GET, INSERT } from "./sql/enqueue.js";
import { REGISTER_WORKER, STOP_WORKER } from "./sql/workers.js";
import { Statements } from "./statements.js";
import { insertIfFree, insertUnlessHeld } from "./unique.js";

export interface SqliteStoreOptions {
  /** Absolute path of the database file; its folder is created if missing. */
  path: string;
  /** Backend alias written into every record read (`backend` is not a column). */
  alias: string;
  /** How long a claim holds a task before recovery may take it back. */
  leaseMs?: number;
  /** How long to wait for another process's write lock. */
  busyTimeoutMs?: number;
}

/** The selector without these queues (paused ones): a list loses them, `*` excludes them. */
function withoutQueues(selector: QueueSelector, queues: readonly string[]): QueueSelector {
  if (queues.length === 0) return selector;
  if (selector.include === "*") return { include: "*", exclude: [...new Set([...selector.exclude, ...queues])] };
  return { include: selector.include.filter((queue) => !queues.includes(queue)), exclude: [] };
}

/**
 * One better-sqlite3 connection and the queue's synchronous operations over it: insert, get,
 * claim, complete, the worker registry. The SQL lives in sql/*.ts, prepared once through the
 * connection's one statement cache (`statements`), which the management and recovery modules
 * share. The backend wraps these in the async Backend and WorkerStore APIs.
 */
export class SqliteStore {
  readonly path: string;
  readonly alias: string;
  readonly leaseMs: number;
  readonly busyTimeoutMs: number;
  readonly db: BetterSqlite3.Database;
  readonly statements: Statements;
  /** Called after this connection adds or re-queues work (other connections see data_version). */
  onLocalChange: (() => void) | undefined;
  #localWrites = 0;
  /** Each task this connection claimed and has not completed yet, by id: its rowid, queue and task. */
  readonly #claimed = new ChurnMap<string, HeldRow>(); // churn-map.ts: why not a Map
  #claimStamp: string | undefined;
  /**
   * The queues with READY rows as a claim of `*` found them, and the change stamp it saw (see
   * #readyQueues): reused by the next claim while nothing could have added a queue.
   */
  #readyQueuesSeen: { stamp: string; queues: string[] } | null = null;
  /** Per-queue limits and whether tasks carry per-key limits (see controlled-claim.ts). */
  controls: ClaimControls = { limits: {}, keyLimits: false };
  /** Set by a claim that left due tasks behind because of a limit (see nextDueInMs). */
  #heldBack: { until: number | null } | null = null;
  readonly #insertMany: BetterSqlite3.Transaction<(rows: InsertValues[]) => void>;
  readonly #claimTx: BetterSqlite3.Transaction<
    (
      workerId: string,
      selector: QueueSelector,
      limit: number,
      now: number,
      completed: AttemptOutcome[],
    ) => {
      rows: ClaimedRow[];
      dropped: string[];
    }
  >;
  readonly #completeTx: BetterSqlite3.Transaction<(outcomes: AttemptOutcome[]) => string[]>;
  readonly #heartbeat: (workerId: string, now: number) => void;
  readonly #withoutBusyWait: <T>(fn: () => T) => T;

  constructor(options: SqliteStoreOptions) {
    this.path = options.path;
    this.alias = options.alias;
    this.leaseMs = options.leaseMs ?? SQLITE_DEFAULTS.leaseMs;
    this.busyTimeoutMs = options.busyTimeoutMs ?? SQLITE_DEFAULTS.busyTimeoutMs;
    this.db = openDatabase(this.path, { busyTimeoutMs: this.busyTimeoutMs });
    const db = this.db;
    const q = new Statements(db);
    this.statements = q;
    this.#insertMany = db.transaction((rows: InsertValues[]) => insertAll(q, rows));
    this.#claimTx = db.transaction((workerId, selector, limit, now, completed) => {
      const dropped = completeRows(q, this.#claimed, completed);
      // A retry made a row READY again, maybe in a queue the last claim did not see.
      if (hasRetry(completed)) this.#readyQueuesSeen = null;
      return { rows: limit > 0 ? this.#claimRows(workerId, selector, limit, now) : [], dropped };
    });
    this.#completeTx = db.transaction((outcomes) => completeRows(q, this.#claimed, outcomes));
    this.#heartbeat = heartbeatWriter(db, q, this.leaseMs);
    this.#withoutBusyWait = busySwitch(q, this.busyTimeoutMs);
  }

  /**
   * Stores READY records built by `readyRecord` (with their requests, which carry the unique,
   * concurrency and schedule settings): one INSERT for one, one transaction for many. Returns,
   * per record, the record stored or, for a unique task whose key is held, the holder's record
   * marked `deduplicated` (see unique.ts: then the whole batch runs in one BEGIN IMMEDIATE).
   * Inside a caller's transaction (a schedule's tick) it joins that one.
   */
  insert(records: TaskResultData[], requests: readonly EnqueueRequest[] = []): TaskResultData[] {
    if (requests.some((request) => request?.unique)) return this.#insertUnique(records, requests);
    const values = (record: TaskResultData, i: number) => insertValues(record, requests[i]);
    if (records.length === 1) this.statements.get(INSERT).run(...values(records[0] as TaskResultData, 0));
    else if (records.length > 1) this.#insertMany.immediate(records.map(values));
    else return records;
    this.#changedLocally();
    return records;
  }

  /** The unique-aware insert's transaction, made on first use. */
  #insertUniqueTx:
    | BetterSqlite3.Transaction<
        (records: TaskResultData[], requests: readonly EnqueueRequest[]) => ReturnType<typeof insertUnlessHeld>
      >
    | undefined;

  #insertUnique(records: TaskResultData[], requests: readonly EnqueueRequest[]): TaskResultData[] {
    const [one] = records;
    if (records.length === 1 && one && requests[0] && !this.db.inTransaction) {
      if (insertIfFree(this.statements, one, requests[0])) {
        this.#changedLocally();
        return records;
      }
    }
    this.#insertUniqueTx ??= this.db.transaction((rs: TaskResultData[], qs: readonly EnqueueRequest[]) =>
      insertUnlessHeld(this.statements, this.alias, rs, qs),
    );
    const { records: out, stored } = this.#insertUniqueTx.immediate(records, requests);
    if (stored > 0) this.#changedLocally();
    return out;
  }

  get(id: string): TaskResultData | undefined {
    const row = this.statements.get<ResultRow>(GET).get(id);
    return row ? rowToRecord(row, this.alias) : undefined;
  }

  /**
   * Moves up to `limit` due READY tasks of the selected queues to RUNNING for `workerId`,
   * in claim order, inside BEGIN IMMEDIATE: no two callers (in any process) get the same task.
   */
  claim(workerId: string, selector: QueueSelector, limit: number, now: number = Date.now()): TaskResultData[] {
    return this.claimAndComplete(workerId, selector, limit, now, []).claimed;
  }

  /**
   * A claim with `completed` outcomes recorded first, in the same transaction (one lock, one
   * commit). `dropped`: the ids of outcomes that no longer applied (see complete()).
   */
  claimAndComplete(
    workerId: string,
    selector: QueueSelector,
    limit: number,
    now: number,
    completed: AttemptOutcome[],
  ): { claimed: TaskResultData[]; dropped: string[] } {
    if (limit <= 0 && completed.length === 0) return { claimed: [], dropped: [] };
    const { rows, dropped } = this.#claimTx.immediate(
      workerId,
      selector,
      Math.max(0, Math.floor(limit)),
      now,
      completed,
    );
    if (hasRetry(completed)) this.#changedLocally();
    // In claim order already: claimSeqs keeps the order its planner gave.
    const claimed = rows.map((row) => {
      const record = claimedToRecord(row, this.alias);
      this.#claimed.set(record.id, { seq: row[0] /* seq */, queue_name: record.queueName, task_name: record.taskName });
      return record;
    });
    return { claimed, dropped };
  }

  /** Runs `fn` with SQLite's busy handler off: a locked database throws SQLITE_BUSY at once (busy-switch.ts). */
  withoutBusyWait<T>(fn: () => T): T {
    return this.#withoutBusyWait(fn);
  }

  #claimRows(workerId: string, wanted: QueueSelector, limit: number, now: number): ClaimedRow[] {
    // Seen under the write lock: any later commit by another connection changes it.
    const stamp = this.changeStamp();
    this.#claimStamp = stamp;
    const params = { workerId, now, limit, leaseExpiresAt: now + this.leaseMs };
    const selector = this.#queuesOf(withoutQueues(wanted, this.#pausedQueues()), stamp);
    const rows = this.#claimFrom(selector.include, params);
    // Only a claim that came back full lets the next one reuse its list of queues: after a short
    // one the worker waits for a change, and the claim after that looks again.
    if (rows.length < limit) this.#readyQueuesSeen = null;
    return rows;
  }

  /** The claim proper, from these queues: planned row by row when a limit may apply. */
  #claimFrom(queues: string[], params: ClaimParams & { limit: number }): ClaimedRow[] {
    const q = this.statements;
    const { now, limit } = params;
    this.#heldBack = null;
    let rated: Set<string> | null = null;
    if (this.#controlled(queues)) {
      const rooms = queueRooms(q, queues, now, this.controls.limits);
      // A limit with room for the whole claim changes nothing: the plain claim serves, at its cost.
      if (this.controls.keyLimits || Math.min(...rooms.room.values()) < limit) {
        const plan = planControlledClaim(q, queues, limit, now, this.controls, rooms);
        if (plan.heldBack) this.#heldBack = { until: plan.windowEndsAt };
        countStarts(q, this.controls.limits, plan.starts, now);
        return claimSeqs(q, plan.seqs, params);
      }
      if (rooms.rated.size > 0) rated = rooms.rated;
    }
    const rows = plainClaim(q, queues, params);
    if (rated) {
      const starts = new Map<string, number>();
      for (const row of rows) {
        const queue = row[5]; // queueName
        if (rated.has(queue)) starts.set(queue, (starts.get(queue) ?? 0) + 1);
      }
      countStarts(q, this.controls.limits, starts, now);
    }
    return rows;
  }

  /**
   * The selector as the list of queues to claim from: `*` (less its exclusions) becomes the
   * queues that have READY rows, found by skip-scan (migrations.ts, v4).
   */
  #queuesOf(selector: QueueSelector, stamp?: string): { include: string[]; exclude: [] } {
    if (selector.include !== "*") return { include: [...new Set(selector.include)], exclude: [] };
    const excluded = new Set(selector.exclude);
    const queues = stamp === undefined ? this.statements.pluck<string>(READY_QUEUES).all() : this.#readyQueues(stamp);
    return { include: excluded.size > 0 ? queues.filter((queue) => !excluded.has(queue)) : queues, exclude: [] };
  }

  /**
   * READY_QUEUES (a skip-scan, ~6% of a claim of one task) once per change instead of once per
   * claim. The list is kept while the change stamp stays the same: no other connection committed
   * and this one added no work (an enqueue, a retry, a recovery: each bumps the stamp). This
   * connection's own claims only take READY rows away, so the list may name a queue that has run
   * dry (a seek that finds nothing) but misses none.
   */
  #readyQueues(stamp: string): string[] {
    const seen = this.#readyQueuesSeen;
    if (seen?.stamp === stamp) return seen.queues;
    const queues = this.statements.pluck<string>(READY_QUEUES).all();
    this.#readyQueuesSeen = { stamp, queues };
    return queues;
  }

  /**
   * Records finished attempts in one transaction. Returns the ids whose outcome was dropped:
   * their row is no longer RUNNING under that worker (recovered from a worker presumed dead).
   */
  complete(outcomes: AttemptOutcome[]): string[] {
    if (outcomes.length === 0) return [];
    const dropped = this.#completeTx.immediate(outcomes);
    if (hasRetry(outcomes)) this.#changedLocally();
    return dropped;
  }

  registerWorker(worker: WorkerRegistration, now: number = Date.now()): void {
    // Only this process's own identity can be stated (a registration for another pid has none).
    const identity = worker.pid === process.pid ? ownIdentity() : null;
    this.statements.get(REGISTER_WORKER).run({
      id: worker.id,
      hostname: worker.hostname,
      pid: worker.pid,
      queues: worker.queues,
      startedAt: worker.startedAt.getTime(),
      now,
      procKey: identity?.key ?? null,
      procStart: identity?.start ?? null,
    });
  }

  /** Marks the worker alive and extends the leases of the tasks it holds to now + leaseMs. */
  heartbeat(workerId: string, now: number = Date.now()): void {
    this.#heartbeat(workerId, now);
  }

  markWorkerStopped(workerId: string, now: number = Date.now()): void {
    this.statements.get(STOP_WORKER).run({ workerId, now });
  }

  /**
   * Milliseconds until the earliest READY task of these queues is due (0 if one is), or null:
   * paused queues do not count, and when the last claim left due tasks behind because of a
   * limit, the answer is when its rate window ends (or null: wait for a change, such as a
   * running task ending), never 0, so an idle worker does not spin on tasks it may not take.
   */
  nextDueInMs(wanted: QueueSelector, now: number = Date.now()): number | null {
    const q = this.statements;
    if (this.#heldBack) return this.#heldBack.until === null ? null : Math.max(1, this.#heldBack.until - now);
    let due: number | null = null;
    const next = q.pluck<number | null>(NEXT_DUE);
    for (const queue of this.#queuesOf(withoutQueues(wanted, this.#pausedQueues())).include) {
      const d = next.get({ queue }) ?? null;
      if (d !== null && (due === null || d < due)) due = d;
    }
    return due === null ? null : Math.max(0, due - now);
  }

  /**
   * Changes whenever another connection commits (SQLite's data_version) or this one adds or
   * re-queues work. The wake-up watcher compares it with the stamp taken by the last claim.
   */
  changeStamp(): string {
    return `${this.statements.pluck<number>(DATA_VERSION).get()}:${this.#localWrites}`;
  }

  /** The change stamp in a transaction of its own, made on first use (lockedChangeStamp). */
  #stampTx: BetterSqlite3.Transaction<() => string> | undefined;

  /**
   * The change stamp read under the write lock (a BEGIN IMMEDIATE transaction that writes
   * nothing), so no other connection's commit is under way while it is read: a commit writes its
   * WAL frames first and publishes them after, and data_version sees only what is published
   * (wake.ts). The busy handler is off: throws SQLITE_BUSY at once while another connection writes.
   */
  lockedChangeStamp(): string {
    this.#stampTx ??= this.db.transaction(() => this.changeStamp());
    const stampTx = this.#stampTx;
    return this.#withoutBusyWait(() => stampTx.immediate());
  }

  /** The change stamp as of the last claim (undefined before the first one). */
  get claimStamp(): string | undefined {
    return this.#claimStamp;
  }

  /** EXPLAIN QUERY PLAN lines of a queue's candidate SELECT, the one-row claim and the READY queues' skip-scan. */
  explainClaim(): { select: string[]; update: string[]; queues: string[] } {
    const plan = (sql: string, bound: Record<string, unknown>) =>
      (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(bound) as { detail: string }[]).map((r) => r.detail);
    return {
      select: [CLAIM_SELECT, CLAIM_ROWS].flatMap((sql) => plan(sql, { now: Date.now(), limit: 1, queue: "default" })),
      update: plan(CLAIM_ONE, { workerId: "w", now: Date.now(), leaseExpiresAt: 0, seq: 1 }),
      queues: plan(READY_QUEUES, {}),
    };
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Queues paused by the operator (tasks pause): no claim takes from them. */
  #pausedQueues(): string[] {
    return this.statements.pluck<string>(PAUSED_QUEUES).all();
  }

  /** Whether a limit may apply to what this selector claims: then the claim plans row by row. */
  #controlled(queues: readonly string[]): boolean {
    if (this.controls.keyLimits) return true;
    return Object.keys(this.controls.limits).some((queue) => queues.includes(queue));
  }

  /** Another module of this connection added or re-queued work (a retry, say). */
  changedLocally(): void {
    this.#changedLocally();
  }

  #changedLocally(): void {
    this.#localWrites++;
    this.onLocalChange?.();
  }
}
