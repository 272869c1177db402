import type Database from "better-sqlite3";
import type { Diagnosis } from "../../contract/diagnosis.js";
import {
  type ErrorGroup,
  type FailureGroup,
  type IdOutcome,
  type ListOptions,
  type ManagementStore,
  type PruneOptions,
  type QueueCounts,
  type ResultFilter,
  type ResultPage,
  type RetryOptions,
  type StatusCounts,
  type WorkerInfo,
  zeroCounts,
} from "../../contract/management.js";
import type { QueueState } from "../../contract/queue-controls.js";
import { UsageError } from "../../core/errors.js";
import type { TaskResultData } from "../../core/result.js";
import { diagnose } from "./diagnose.js";
import { holdsLiveness } from "./liveness.js";
import { cancelIds, retryFailed, retryIds } from "./manage-changes.js";
import { errorGroups, failureGroupIds, failureGroups } from "./manage-failures.js";
import { countPrunable, prune } from "./manage-prune.js";
import { allows, decodeCursor, encodeCursor, manageStatements, normalize, type WorkerRow } from "./manage-sql.js";
import { countSince, countUnfinished, countUnfinishedIn, pageKeys, queuesPresent } from "./manage-walks.js";
import { type ResultRow, rowToRecord } from "./rows.js";
import { PAUSE, QUEUE_STATES, RESUME } from "./sql/controls.js";
import { SLOT_MS } from "./sql/counts.js";
import type { SqliteStore } from "./store.js";

const UNFINISHED = ["READY", "RUNNING"] as const;

/**
 * The operator's view of a SQLite backend (ManagementStore): listing, counts, error groups,
 * retry/cancel and prune, on the store's connection. Reads run in one read transaction each
 * (a consistent snapshot); writes are short BEGIN IMMEDIATE transactions whose UPDATEs re-check
 * the status they expect, so they never race a worker. Query shapes are explained in migrations.ts
 * (v2, v6), manage-walks.ts and manage-sql.ts.
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
      const keys = pageKeys(q, filter, after, limit + 1);
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
        countSince(q, f, counts);
        return counts;
      }
      for (const c of q.finishedCounts.all()) {
        if (allows(f.statuses, c.status) && allows(f.queues, c.queue_name) && allows(f.tasks, c.task_name)) {
          counts[c.status] += c.n;
        }
      }
      for (const status of UNFINISHED) {
        if (allows(f.statuses, status)) counts[status] = countUnfinished(q, status, f);
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
        for (const status of UNFINISHED) counts[status] = countUnfinishedIn(q, queueName, status);
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
    // take its tasks back, and the dashboard should not show it as alive. Unless it still holds
    // its liveness lock (a task blocking its event loop): then it lives, and keeps its tasks.
    const staleBefore = Date.now() - store.leaseMs;
    const gone = (w: WorkerRow) =>
      w.state === "running" && w.last_heartbeat_at < staleBefore && !holdsLiveness(store.path, w);
    return manageStatements(store.statements)
      .workers.all()
      .map((w) => ({
        id: w.id,
        hostname: w.hostname,
        pid: w.pid,
        queues: w.queues,
        startedAt: new Date(w.started_at),
        lastHeartbeatAt: new Date(w.last_heartbeat_at),
        state: gone(w) ? "dead" : w.state,
      }));
  }

  async throughput(minutes: number): Promise<number[]> {
    const n = Math.floor(minutes);
    if (!(n >= 1)) return [];
    const counts = new Array<number>(n).fill(0);
    const from = Date.now() - n * 60_000;
    // Each slot counts in the window where it starts: exact to a slot (10 s).
    for (const row of manageStatements(this.#open().statements).throughput.all({ from: Math.floor(from / SLOT_MS) })) {
      const window = Math.floor((row.slot * SLOT_MS - from) / 60_000);
      if (window >= 0 && window < n) counts[window] = (counts[window] ?? 0) + row.n;
    }
    return counts;
  }

  #open(): SqliteStore {
    return this.#store();
  }
}

/** Runs `fn` in one read transaction: the walks and the row fetch see the same snapshot. */
function read<T>(db: Database.Database, fn: () => T): T {
  return db.transaction(fn)();
}
