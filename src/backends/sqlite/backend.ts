import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { Backend, type BackendInit } from "../../contract/backend.js";
import type { ManagementStore } from "../../contract/management.js";
import type { QueueState } from "../../contract/queue-controls.js";
import { readyRecord } from "../../contract/records.js";
import type { ScheduleStore } from "../../contract/schedules.js";
import type { WorkerStore } from "../../contract/worker-store.js";
import { SQLITE_DEFAULTS } from "../../core/defaults.js";
import type { EnqueueRequest } from "../../core/environment.js";
import { EnqueueIncomplete, TaskResultDoesNotExist } from "../../core/errors.js";
import type { TaskResultData } from "../../core/result.js";
import type { AnyTask } from "../../core/task.js";
import type { ChangeFeed } from "../../core/wait.js";
import { fileIdentity } from "./file-identity.js";
import { writeMakingRoom } from "./full-disk.js";
import { GroupCommit, type Settled } from "./group-commit.js";
import { guardStorage } from "./guard.js";
import { checkDatabase } from "./health.js";
import { sqliteKind } from "./kind.js";
import { gapAfter, waitUntil } from "./lock-gaps.js";
import { SqliteManagement } from "./manage.js";
import { SqliteSchedules } from "./schedules.js";
import { isBusy, translating } from "./storage-errors.js";
import { SqliteStore } from "./store.js";
import { WalWatcher } from "./wake.js";
import { RETRY_AT_ONCE_MS, whenUnlocked } from "./when-unlocked.js";
import { SqliteWorkerStore } from "./worker-store.js";

/** Tasks per enqueue transaction: about 50–100 ms of write lock at bulk-insert speed. */
export const ENQUEUE_CHUNK = 5_000;

/** How often an app's connection checks that its path still names the file it opened (#followPath). */
const PATH_CHECK_MS = 1_000;

function numberOption(options: Record<string, unknown>, key: string, fallback: number): number {
  const value = options[key];
  return typeof value === "number" ? value : fallback;
}

/**
 * Tasks in an embedded SQLite file (better-sqlite3, WAL), run by `tasks worker` in any
 * number of processes. The file is opened on first use, so building the backend (for
 * `tasks info`, say) touches no disk; after close() the next use opens it again.
 */
export class SqliteBackend extends Backend {
  readonly kind = "sqlite";
  readonly supportsDefer = sqliteKind.capabilities.supportsDefer;
  readonly supportsAsyncTask = sqliteKind.capabilities.supportsAsyncTask;
  readonly supportsGetResult = sqliteKind.capabilities.supportsGetResult;
  readonly supportsPriority = sqliteKind.capabilities.supportsPriority;
  override readonly supportsUnique = true;

  /** Absolute path of the database file. */
  readonly path: string;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly busyTimeoutMs: number;
  #store: SqliteStore | null = null;
  /** Which file the path named when the store was opened, and when that was last checked (#followPath). */
  #file: string | null | undefined;
  #pathCheckedAt = Number.NEGATIVE_INFINITY;
  #watcher: WalWatcher | null = null;
  #workerStore: WorkerStore | null = null;
  /** Waits (TaskResult.wait) whose change feed is open (changes()). */
  #feeds = 0;
  #management: ManagementStore | null = null;
  #schedules: ScheduleStore | null = null;
  /** Set by the worker (WorkerStore.configure): its tasks carry per-key limits. */
  #keyLimits = false;
  /** Concurrent single enqueues of one turn of the event loop, stored in one transaction. */
  readonly #group = new GroupCommit(
    (items: { record: TaskResultData; request: EnqueueRequest }[]) => this.#insertGroup(items),
    ENQUEUE_CHUNK,
  );
  /** The open connection, if any (the storage guard relieves a full disk through it). */
  readonly #openDb = () => (this.#store?.isOpen ? this.#store.db : null);

  constructor(init: BackendInit) {
    super(init);
    const path = typeof init.options.path === "string" ? init.options.path : SQLITE_DEFAULTS.path;
    this.path = isAbsolute(path) ? path : resolve(path);
    this.leaseMs = numberOption(init.options, "leaseMs", SQLITE_DEFAULTS.leaseMs);
    this.heartbeatMs = numberOption(init.options, "heartbeatMs", SQLITE_DEFAULTS.heartbeatMs);
    this.busyTimeoutMs = numberOption(init.options, "busyTimeoutMs", SQLITE_DEFAULTS.busyTimeoutMs);
  }

  /** The open store (opening the file, creating and migrating it, on first access). */
  get store(): SqliteStore {
    if (this.#store?.isOpen && this.#workerStore === null) this.#followPath();
    if (!this.#store?.isOpen) {
      const store = new SqliteStore({
        path: this.path,
        alias: this.alias,
        leaseMs: this.leaseMs,
        busyTimeoutMs: this.busyTimeoutMs,
      });
      store.onLocalChange = () => this.#watcher?.poke();
      store.controls = { limits: this.limits, keyLimits: this.#keyLimits };
      this.#store = store;
      this.#file = fileIdentity(this.path);
    }
    return this.#store;
  }

  /**
   * An app (or `tasks watch`) keeps its connection for its whole life. If the file is deleted or
   * replaced under it (`rm -rf .tasks` to start over, a backup copied over it), SQLite goes on
   * writing to the old file, which no worker sees: enqueues would be lost there. So at most once
   * a second a use of the store checks that the path still names the file it opened (one stat,
   * ~2 µs), and otherwise opens the path again. Enqueues in the same second as the deletion still
   * go to the old file, as if made just before it. The old connection is closed once a group
   * commit can no longer be waiting on it for the lock (when-unlocked.ts). A worker does not
   * follow the path: it stops and says so (file-identity.ts).
   */
  #followPath(): void {
    const now = Date.now();
    if (now - this.#pathCheckedAt < PATH_CHECK_MS) return;
    this.#pathCheckedAt = now;
    const file = fileIdentity(this.path);
    if (file === this.#file || file === undefined) return;
    const old = this.#store;
    this.#store = null;
    setTimeout(() => old?.close(), this.busyTimeoutMs + PATH_CHECK_MS).unref();
  }

  /**
   * Up to ENQUEUE_CHUNK tasks are stored in one transaction (all or nothing). A larger
   * enqueueMany is committed in chunks of that size, in order, with a gap after each (see
   * lock-gaps.ts): one 400,000-row transaction would hold the write lock for seconds, blocking
   * every worker's heartbeats and claims. If a chunk fails, the chunks before it stay stored and
   * EnqueueIncomplete says which.
   */
  protected async storeTasks(_task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]> {
    const now = new Date();
    const records = requests.map((request) => readyRecord(this.alias, request, now));
    const [record] = records;
    const [request] = requests;
    // A single plain enqueue joins the group commit; a unique one reads its holder in its own transaction.
    if (record && request && records.length === 1 && !request.unique)
      return [await this.#group.add({ record, request })];
    const store = this.store;
    if (records.length <= ENQUEUE_CHUNK) return this.#insert(store, records, requests);
    const out: TaskResultData[] = [];
    let lockFreeUntil = 0;
    for (let i = 0; i < records.length; i += ENQUEUE_CHUNK) {
      await waitUntil(lockFreeUntil);
      const started = performance.now();
      try {
        out.push(...this.#insert(store, records.slice(i, i + ENQUEUE_CHUNK), requests.slice(i, i + ENQUEUE_CHUNK)));
      } catch (error) {
        if (i === 0) throw error;
        throw new EnqueueIncomplete(
          `enqueueMany stored the first ${i} of ${records.length} tasks, then failed: ${(error as Error).message}`,
          out.map((r) => r.id),
          { cause: error },
        );
      }
      const ended = performance.now();
      lockFreeUntil = ended + gapAfter(ended - started);
    }
    return out;
  }

  /**
   * A group of single enqueues (group-commit.ts) in one transaction; if that fails, each is
   * tried alone, so every caller gets its own result or its own error. While another process
   * holds the write lock, the group waits for it asynchronously (when-unlocked.ts) instead of in
   * SQLite's busy handler, which sleeps the whole event loop (an app's requests with it) and
   * polls at growing steps (25, 50, 100 ms), so it could miss the short gaps prune leaves
   * between its batches for hundreds of ms.
   */
  #insertGroup(
    items: { record: TaskResultData; request: EnqueueRequest }[],
  ): Settled<TaskResultData>[] | Promise<Settled<TaskResultData>[]> {
    const store = this.store;
    const records = items.map((i) => i.record);
    const requests = items.map((i) => i.request);
    const all = () => this.#insert(store, records, requests);
    const stored = (values: TaskResultData[]) => values.map((value): Settled<TaskResultData> => ({ ok: true, value }));
    // Alone, or each alone after the group failed: with the busy handler, as any other write.
    const eachAlone = (error: unknown): Settled<TaskResultData>[] => {
      if (items.length === 1) return [{ ok: false, error }];
      return items.map((item) => {
        try {
          return { ok: true, value: this.#insert(store, [item.record], [item.request])[0] as TaskResultData };
        } catch (error) {
          return { ok: false, error };
        }
      });
    };
    const failed = (error: unknown) =>
      isBusy(error) ? items.map(() => ({ ok: false as const, error })) : eachAlone(error);
    // The first try is made here, not left to whenUnlocked (which always answers with a
    // promise): an uncontended group is answered in this turn, as group-commit.ts relies on.
    try {
      return stored(store.withoutBusyWait(all));
    } catch (error) {
      if (!isBusy(error)) return eachAlone(error);
    }
    return whenUnlocked(store, all, { atOnceMs: RETRY_AT_ONCE_MS }).then(stored, failed);
  }

  /**
   * One insert (one transaction, so it can be repeated whole): failures name the file, and on a
   * full disk it is tried once more if a checkpoint made room (full-disk.ts). Returns what the
   * store returns: each record, or a unique task's holder (deduplicated).
   */
  #insert(store: SqliteStore, records: TaskResultData[], requests: EnqueueRequest[]): TaskResultData[] {
    return translating(this.path, () => writeMakingRoom(store.db, () => store.insert(records, requests)));
  }

  async getResultData(id: string): Promise<TaskResultData> {
    const record = translating(this.path, () => this.store.get(id));
    if (!record) throw new TaskResultDoesNotExist(`No task result with id ${id} in backend "${this.alias}"`);
    return record;
  }

  /**
   * Opens the file as a first use would (creating or migrating it), then proves it writable
   * and intact (health.ts); warns when other users can read it.
   */
  override async check(): Promise<string[]> {
    const store = this.store;
    return translating(this.path, () => checkDatabase(store.db, this.path));
  }

  override workerStore(): WorkerStore {
    const backend = this;
    this.#workerStore ??= guardStorage(
      new SqliteWorkerStore({
        get store() {
          return backend.store;
        },
        watcher: () => {
          this.#watcher ??= new WalWatcher(this.path);
          return this.#watcher;
        },
        heartbeatMs: this.heartbeatMs,
        get keyLimits() {
          return backend.#keyLimits;
        },
        set keyLimits(value: boolean) {
          backend.#keyLimits = value;
          backend.store.controls = { limits: backend.limits, keyLimits: value };
        },
      }),
      this.path,
      this.#openDb,
    );
    return this.#workerStore;
  }

  /**
   * Commits by any process, for TaskResult.wait(): the WAL watcher (wake.ts), armed while a wait
   * runs. In an app it is disarmed again after the last wait: armed, every commit costs an event,
   * the app's own enqueues included. A worker's watcher is left to its worker store.
   */
  changes(): ChangeFeed {
    this.#watcher ??= new WalWatcher(this.path);
    const watcher = this.#watcher;
    watcher.arm();
    this.#feeds++;
    let seen = watcher.events;
    let open = true;
    return {
      next: async (timeoutMs, signal) => {
        // After close() the backend's watcher is closed, and its waits return at once: the
        // caller's timer then paces the re-reads.
        if (this.#watcher !== watcher) return null;
        await watcher.wait(timeoutMs, signal, () => watcher.events !== seen);
        const changed = watcher.events !== seen;
        seen = watcher.events;
        return changed;
      },
      close: () => {
        if (!open) return;
        open = false;
        if (--this.#feeds === 0 && this.#workerStore === null && this.#watcher === watcher) watcher.disarm();
      },
    };
  }

  /** Paused queues, without creating a database that does not exist yet. */
  override async queueStates(): Promise<QueueState[]> {
    return existsSync(this.path) ? super.queueStates() : [];
  }

  /** Schedules kept in the file and run by the workers; they follow the store across close() and reopen. */
  override schedules(): ScheduleStore {
    const backend = this;
    this.#schedules ??= guardStorage(
      new SqliteSchedules({
        get store() {
          return backend.store;
        },
        path: this.path,
      }),
      this.path,
      this.#openDb,
    );
    return this.#schedules;
  }

  /** The operator's operations; they follow the store across close() and reopen. */
  override management(): ManagementStore {
    this.#management ??= guardStorage(new SqliteManagement(() => this.store), this.path, this.#openDb);
    return this.#management;
  }

  override describeLocation(): string {
    return this.path;
  }

  override async close(): Promise<void> {
    await this.#group.flush(); // enqueues not awaited yet are stored, not dropped
    this.#watcher?.close();
    this.#watcher = null;
    this.#workerStore = null;
    this.#store?.close();
    this.#store = null;
  }
}
