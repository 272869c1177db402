import type Database from "better-sqlite3";
import type { Diagnosis } from "../../contract/diagnosis.js";
import type {
  ErrorGroup,
  FailureGroup,
  IdOutcome,
  ListOptions,
  ManagementStore,
  PruneOptions,
  QueueCounts,
  ResultFilter,
  ResultPage,
  RetryOptions,
  StatusCounts,
  WorkerInfo,
} from "../../contract/management.js";
import type { QueueState } from "../../contract/queue-controls.js";
import { UsageError } from "../../core/errors.js";
import { ALL_STATUSES, type TaskResultData } from "../../core/result.js";
import { diagnose } from "./diagnose.js";
import { cancelIds, retryFailed, retryIds } from "./manage-changes.js";
import { errorGroups, failureGroupIds, failureGroups } from "./manage-failures.js";
import { countPrunable, prune } from "./manage-prune.js";
import {
  allows,
  decodeCursor,
  encodeCursor,
  type Filter,
  jsonList,
  type Key,
  type ManageStatements,
  manageStatements,
  normalize,
} from "./manage-sql.js";
import { type ResultRow, rowToRecord } from "./rows.js";
import { PAUSE, QUEUE_STATES, RESUME } from "./sql/controls.js";
import type { SqliteStore } from "./store.js";

const UNFINISHED = ["READY", "RUNNING"] as const;
const MIN_KEY = Number.MIN_SAFE_INTEGER;
const MAX_KEY = Number.MAX_SAFE_INTEGER;

const zeroCounts = (): StatusCounts => ({ READY: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 });
const newestFirst = (a: Key, b: Key) => b.enqueued_at - a.enqueued_at || b.seq - a.seq;

/**
 * The operator's view of a SQLite backend (ManagementStore): listing, counts, error groups,
 * retry/cancel and prune, on the store's connection. Reads run in one read transaction each
 * (a consistent snapshot); writes are short BEGIN IMMEDIATE transactions whose UPDATEs re-check
 * the status they expect, so they never race a worker. Query shapes are explained in schema.ts
 * (v2) and manage-sql.ts.
 */
export class SqliteManagement implements ManagementStore {
  readonly #store: () => SqliteStore;

  /** `store` may be a getter, so a backend that reopens its file after close() still works. */
  constructor(store: SqliteStore | (() => SqliteStore)) {
    this.#store = typeof store === "function" ? store : () => store;
  }

  async listResults(options: ListOptions): Promise<ResultPage> {
    const limit = Math.floor(options.limit);
    if (!(limit >= 1)) throw new UsageError(`limit must be a positive integer, got ${options.limit}`);
    const after = options.cursor ? decodeCursor(options.cursor) : null;
    const filter = normalize(options);
    const { db, alias } = this.#open();
    const q = manageStatements(this.#open().statements);
    return read(db, () => {
      const keys = this.#pageKeys(q, filter, after, limit + 1);
      const page = keys.slice(0, limit);
      const rows = new Map<number, ResultRow>();
      for (const row of q.rowsBySeq.all({ seqs: JSON.stringify(page.map((k) => k.seq)) })) rows.set(row.seq, row);
      const results = page.flatMap((k) => {
        const row = rows.get(k.seq);
        return row ? [rowToRecord(row, alias)] : [];
      });
      const last = page[page.length - 1];
      return { results, nextCursor: keys.length > limit && last ? encodeCursor(last) : null };
    });
  }

  async countByStatus(filter?: ResultFilter): Promise<StatusCounts> {
    const f = normalize(filter);
    const { db } = this.#open();
    const q = manageStatements(this.#open().statements);
    return read(db, () => {
      const counts = zeroCounts();
      if (f.since !== null) {
        this.#countSince(q, f, counts);
        return counts;
      }
      for (const c of q.finishedCounts.all()) {
        if (allows(f.statuses, c.status) && allows(f.queues, c.queue_name) && allows(f.tasks, c.task_name)) {
          counts[c.status] += c.n;
        }
      }
      for (const status of UNFINISHED) {
        if (allows(f.statuses, status)) counts[status] = this.#countUnfinished(q, status, f);
      }
      return counts;
    });
  }

  async countByQueue(): Promise<QueueCounts[]> {
    const { db } = this.#open();
    const q = manageStatements(this.#open().statements);
    const now = Date.now();
    return read(db, () => {
      const byQueue = new Map<string, QueueCounts>();
      for (const queueName of queuesPresent(q)) {
        const counts = zeroCounts();
        for (const status of UNFINISHED) counts[status] = q.countQueueStatus.get({ queue: queueName, status }) ?? 0;
        const oldest = counts.READY > 0 ? q.oldestReady.get({ queue: queueName }) : undefined;
        const due = counts.READY > 0 ? (q.earliestDue.get({ queue: queueName }) ?? null) : null;
        byQueue.set(queueName, {
          queueName,
          counts,
          oldestReadyAt: oldest === undefined ? null : new Date(oldest),
          oldestDueAt: due !== null && due <= now ? new Date(due) : null,
        });
      }
      for (const c of q.finishedCounts.all()) {
        const entry = byQueue.get(c.queue_name);
        if (entry) entry.counts[c.status] += c.n;
      }
      // Every queue says whether it is paused; a paused queue shows even while it is empty.
      const states = this.#states();
      for (const entry of byQueue.values()) entry.paused = states.get(entry.queueName)?.paused ?? false;
      for (const state of states.values()) {
        if (state.paused && !byQueue.has(state.queueName)) {
          byQueue.set(state.queueName, {
            queueName: state.queueName,
            counts: zeroCounts(),
            oldestReadyAt: null,
            oldestDueAt: null,
            paused: true,
          });
        }
      }
      return [...byQueue.values()].sort((a, b) => (a.queueName < b.queueName ? -1 : a.queueName > b.queueName ? 1 : 0));
    });
  }

  async pause(queues: string[]): Promise<void> {
    const store = this.#open();
    const pause = store.statements.get(PAUSE);
    store.db
      .transaction(() => {
        const now = Date.now();
        for (const queue of new Set(queues)) pause.run({ queue, now });
      })
      .immediate();
  }

  async resume(queues: string[]): Promise<void> {
    const store = this.#open();
    const resume = store.statements.get(RESUME);
    store.db
      .transaction(() => {
        for (const queue of new Set(queues)) resume.run({ queue });
      })
      .immediate();
    // Idle workers of this process may claim again at once (others see the commit).
    store.changedLocally();
  }

  async diagnose(id: string): Promise<Diagnosis> {
    const paused = new Map([...this.#states().values()].filter((s) => s.paused).map((s) => [s.queueName, s.pausedAt]));
    return diagnose(this.#open(), id, paused, await this.workers());
  }

  async queueStates(): Promise<QueueState[]> {
    return [...this.#states().values()];
  }

  /** Stored queue states by name. */
  #states(): Map<string, QueueState> {
    const rows = this.#open().statements.get<{ queue_name: string; paused_at: number | null }>(QUEUE_STATES).all();
    return new Map(
      rows.map((r) => [
        r.queue_name,
        {
          queueName: r.queue_name,
          paused: r.paused_at !== null,
          pausedAt: r.paused_at === null ? null : new Date(r.paused_at),
        },
      ]),
    );
  }

  async findByIdPrefix(prefix: string, limit: number): Promise<TaskResultData[]> {
    if (limit < 1) return [];
    const { alias } = this.#open();
    // Every id starting with `prefix` sorts in [prefix, prefix + U+10FFFF): a range on the id index.
    const rows = manageStatements(this.#open().statements).idRange.all({
      from: prefix,
      to: `${prefix}\u{10FFFF}`,
      limit: Math.floor(limit),
    });
    return rows.map((row) => rowToRecord(row, alias));
  }

  async findByIdFragment(fragment: string, limit: number): Promise<TaskResultData[]> {
    if (limit < 1 || fragment === "") return [];
    const found = await this.findByIdPrefix(fragment, limit);
    if (found.length >= limit) return found;
    const { alias } = this.#open();
    const q = manageStatements(this.#open().statements);
    const seen = new Set(found.map((r) => r.id));
    const ids = q.idSuffix
      .all({ fragment, length: [...fragment].length, limit: Math.floor(limit) + found.length })
      .filter((id) => !seen.has(id));
    if (ids.length === 0) return found;
    const tail = q.byIds.all({ ids: JSON.stringify(ids) }).map((row) => rowToRecord(row, alias));
    return [...found, ...tail].slice(0, limit);
  }

  async errorGroups(filter: ResultFilter): Promise<ErrorGroup[]> {
    return errorGroups(manageStatements(this.#open().statements), filter);
  }

  async failureGroups(filter: ResultFilter): Promise<FailureGroup[]> {
    return failureGroups(manageStatements(this.#open().statements), filter);
  }

  async failureGroupIds(groupId: string, status: "FAILED" | "READY", filter: ResultFilter): Promise<string[]> {
    return failureGroupIds(manageStatements(this.#open().statements), groupId, status, filter);
  }

  async countPrunable(options: PruneOptions): Promise<number> {
    const store = this.#open();
    return countPrunable(store.db, store.statements, options);
  }

  async prune(options: PruneOptions): Promise<number> {
    const store = this.#open();
    return prune(store.db, store.statements, options);
  }

  async retry(ids: string[], options: RetryOptions = {}): Promise<IdOutcome[]> {
    return retryIds(this.#open(), ids, options);
  }

  async retryFailed(filter: ResultFilter, options: RetryOptions = {}): Promise<string[]> {
    return retryFailed(this.#open(), filter, options);
  }

  async cancel(ids: string[]): Promise<IdOutcome[]> {
    return cancelIds(this.#open(), ids);
  }

  async workers(): Promise<WorkerInfo[]> {
    const store = this.#open();
    // A worker that has not heartbeated for a lease is gone (crashed or killed): recovery may
    // take its tasks back, and the dashboard should not show it as alive.
    const staleBefore = Date.now() - store.leaseMs;
    return manageStatements(store.statements)
      .workers.all()
      .map((w) => ({
        id: w.id,
        hostname: w.hostname,
        pid: w.pid,
        queues: w.queues,
        startedAt: new Date(w.started_at),
        lastHeartbeatAt: new Date(w.last_heartbeat_at),
        state: w.state === "running" && w.last_heartbeat_at < staleBefore ? "dead" : w.state,
      }));
  }

  async throughput(minutes: number): Promise<number[]> {
    const n = Math.floor(minutes);
    if (!(n >= 1)) return [];
    const counts = new Array<number>(n).fill(0);
    const rows = manageStatements(this.#open().statements).throughput.all({
      minutes: n,
      from: Date.now() - n * 60_000,
    });
    for (const row of rows) counts[row.i] = row.n;
    return counts;
  }

  #open(): SqliteStore {
    return this.#store();
  }

  /**
   * The first `n` keys of the page, newest first: one short keyset walk per value of the
   * driving filter (each already in order, none longer than n), merged here.
   */
  #pageKeys(q: ManageStatements, f: Filter, after: Key | null, n: number): Key[] {
    const page = {
      since: f.since ?? MIN_KEY,
      beforeAt: after?.enqueued_at ?? MAX_KEY,
      beforeSeq: after?.seq ?? MAX_KEY,
      limit: n,
    };
    const keys: Key[] = [];
    if (f.waiting !== null) {
      // READY rows only (a status filter without READY finds none).
      if (!allows(f.statuses, "READY")) return [];
      const params = { ...page, waiting: f.waiting, now: Date.now(), tasks: jsonList(f.tasks) };
      for (const queue of f.queues ?? queuesPresent(q)) keys.push(...q.walkWaiting.all({ ...params, queue }));
    } else if (this.#drivenByTask(q, f)) {
      const others = { statuses: jsonList(f.statuses), queues: jsonList(f.queues) };
      for (const task of f.tasks ?? []) keys.push(...q.walkTask.all({ ...page, ...others, task }));
    } else {
      const tasks = jsonList(f.tasks);
      const walk = tasks === null ? q.walkQueueStatus : q.walkQueueStatusTasks;
      for (const queue of f.queues ?? queuesPresent(q)) {
        for (const status of f.statuses ?? ALL_STATUSES) keys.push(...walk.all({ ...page, queue, status, tasks }));
      }
    }
    return keys.sort(newestFirst).slice(0, n);
  }

  /**
   * Whether to walk the task index (checking queue and status on the way) rather than the
   * (queue, status) pairs (checking the task): whichever has fewer rows to read, estimated
   * from the counts table and live READY/RUNNING counts.
   */
  #drivenByTask(q: ManageStatements, f: Filter): boolean {
    if (f.tasks === null) return false;
    if (f.queues === null && f.statuses === null) return true;
    let byTask = 0;
    let byPair = 0;
    for (const c of q.finishedCounts.all()) {
      if (f.tasks.includes(c.task_name)) byTask += c.n;
      if (allows(f.queues, c.queue_name) && allows(f.statuses, c.status)) byPair += c.n;
    }
    for (const status of UNFINISHED) {
      if (!allows(f.statuses, status)) continue;
      for (const queue of f.queues ?? queuesPresent(q)) byPair += q.countQueueStatus.get({ queue, status }) ?? 0;
    }
    return byTask < byPair;
  }

  #countUnfinished(q: ManageStatements, status: "READY" | "RUNNING", f: Filter): number {
    if (f.tasks !== null) {
      const stmt = status === "READY" ? q.countReadyTasks : q.countRunningTasks;
      return stmt.get({ tasks: jsonList(f.tasks), queues: jsonList(f.queues) }) ?? 0;
    }
    let n = 0;
    for (const queue of f.queues ?? queuesPresent(q)) n += q.countQueueStatus.get({ queue, status }) ?? 0;
    return n;
  }

  /** Counts of rows enqueued since `f.since`, from the rows themselves (index ranges). */
  #countSince(q: ManageStatements, f: Filter, counts: StatusCounts): void {
    const since = f.since ?? MIN_KEY;
    if (this.#drivenByTask(q, f)) {
      const others = { since, statuses: jsonList(f.statuses), queues: jsonList(f.queues) };
      for (const task of f.tasks ?? []) {
        for (const row of q.countSinceTask.all({ ...others, task })) counts[row.status] += row.n;
      }
      return;
    }
    const tasks = jsonList(f.tasks);
    for (const queue of f.queues ?? queuesPresent(q)) {
      for (const status of f.statuses ?? ALL_STATUSES) {
        counts[status] += q.countSinceQueueStatus.get({ queue, status, since, tasks }) ?? 0;
      }
    }
  }
}

/** Every queue name with at least one row, in order: one index seek each. */
function queuesPresent(q: ManageStatements): string[] {
  const queues: string[] = [];
  for (let queue = q.firstQueue.get() ?? null; queue !== null; queue = q.nextQueue.get({ after: queue }) ?? null) {
    queues.push(queue);
  }
  return queues;
}

/** Runs `fn` in one read transaction: the walks and the row fetch see the same snapshot. */
function read<T>(db: Database.Database, fn: () => T): T {
  return db.transaction(fn)();
}
