import { isAbsolute, resolve } from "node:path";
import { TaskResultDoesNotExist } from "../../core/errors.js";
import type { TaskResultData } from "../../core/result.js";
import type { AnyTask } from "../../core/task.js";
import { Backend, type BackendInit, type EnqueueRequest, type ManagementStore, type WorkerStore } from "../../contract/backend.js";
import { readyRecord } from "../dummy.js";
import { type HeartbeatThread, startHeartbeatThread } from "./heartbeats.js";
import { SqliteManagement } from "./manage.js";
import { LeaseRecovery } from "./recovery.js";
import { SqliteStore } from "./store.js";
import { WalWatcher } from "./wake.js";

/** Where the database lives when the config gives no `path` (relative to the current folder). */
export const DEFAULT_PATH = ".tasks/tasks.sqlite3";

function numberOption(options: Record<string, unknown>, key: string, fallback: number): number {
  const value = options[key];
  return typeof value === "number" ? value : fallback;
}

const isBusy = (error: unknown) => (error as { code?: string }).code?.startsWith("SQLITE_BUSY") === true;

/**
 * A worker's writes (claims, completions) wait for another process's lock asynchronously,
 * in ~1 ms steps, up to the backend's busyTimeoutMs: its running async tasks keep going, and
 * two workers draining one file overlap their work instead of taking turns sleeping.
 */
async function retryWhileBusy<T>(store: SqliteStore, fn: () => T): Promise<T> {
  const deadline = Date.now() + store.busyTimeoutMs;
  for (;;) {
    try {
      return store.withoutBusyWait(fn);
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.5 ? 0 : 1));
    }
  }
}

/**
 * Tasks in an embedded SQLite file (better-sqlite3, WAL), run by `tasks worker` in any
 * number of processes. The file is opened on first use, so building the backend (for
 * `tasks info`, say) touches no disk; after close() the next use opens it again.
 */
export class SqliteBackend extends Backend {
  readonly kind = "sqlite";
  readonly supportsDefer = true;
  readonly supportsAsyncTask = true;
  readonly supportsGetResult = true;
  readonly supportsPriority = true;

  /** Absolute path of the database file. */
  readonly path: string;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly busyTimeoutMs: number;
  #store: SqliteStore | null = null;
  #watcher: WalWatcher | null = null;
  #workerStore: WorkerStore | null = null;
  #management: SqliteManagement | null = null;

  constructor(init: BackendInit) {
    super(init);
    const path = typeof init.options.path === "string" ? init.options.path : DEFAULT_PATH;
    this.path = isAbsolute(path) ? path : resolve(path);
    this.leaseMs = numberOption(init.options, "leaseMs", 30_000);
    this.heartbeatMs = numberOption(init.options, "heartbeatMs", 5_000);
    this.busyTimeoutMs = numberOption(init.options, "busyTimeoutMs", 5_000);
  }

  /** The open store (opening the file, creating and migrating it, on first access). */
  get store(): SqliteStore {
    if (!this.#store?.isOpen) {
      const store = new SqliteStore({
        path: this.path,
        alias: this.alias,
        leaseMs: this.leaseMs,
        busyTimeoutMs: this.busyTimeoutMs,
      });
      store.onLocalChange = () => this.#watcher?.poke();
      this.#store = store;
    }
    return this.#store;
  }

  protected async storeTasks(_task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]> {
    const now = new Date();
    const records = requests.map((request) => readyRecord(this.alias, request, now));
    this.store.insert(records);
    return records;
  }

  async getResultData(id: string): Promise<TaskResultData> {
    const record = this.store.get(id);
    if (!record) throw new TaskResultDoesNotExist(`No task result with id ${id} in backend "${this.alias}"`);
    return record;
  }

  override workerStore(): WorkerStore {
    this.#workerStore ??= this.#makeWorkerStore();
    return this.#workerStore;
  }

  #makeWorkerStore(): WorkerStore {
    // What the last claim saw: a wait returns at once if anything changed since.
    let mark: { events: number; stamp: string | undefined } | null = null;
    const watcher = () => {
      this.#watcher ??= new WalWatcher(this.path);
      return this.#watcher;
    };
    let recovery: { store: SqliteStore; leases: LeaseRecovery } | null = null;
    let heartbeats: HeartbeatThread | null = null;
    const leases = () => {
      // Tied to the open connection: close() followed by a new use reopens both.
      if (recovery?.store !== this.store)
        recovery = { store: this.store, leases: new LeaseRecovery(this.store.db, this.store.leaseMs) };
      return recovery.leases;
    };
    return {
      registerWorker: async (worker) => {
        this.store.registerWorker(worker);
        heartbeats = await startHeartbeatThread(this, worker.id);
      },
      // The thread beats when it runs; this is the fallback where it could not start.
      heartbeat: async (workerId) => {
        if (!heartbeats) this.store.heartbeat(workerId);
      },
      markWorkerStopped: async (workerId) => {
        await heartbeats?.stop();
        heartbeats = null;
        this.store.markWorkerStopped(workerId);
      },
      claim: async (workerId, selector, limit, completed) => {
        const store = this.store;
        const w = watcher();
        w.arm(); // before the claim, so no commit after it goes unseen
        const records = await retryWhileBusy(store, () =>
          store.claim(workerId, selector, limit, Date.now(), completed),
        );
        mark = { events: w.events, stamp: store.claimStamp };
        return records;
      },
      complete: async (outcomes) => {
        const store = this.store;
        await retryWhileBusy(store, () => store.complete(outcomes));
      },
      recover: async (workerId, ownLeftovers) => [
        ...(ownLeftovers ? leases().recoverOwn(workerId) : []),
        ...leases().recoverExpired(),
      ],
      nextDueInMs: async (selector) => this.store.nextDueInMs(selector, Date.now()),
      waitForChange: (timeoutMs, signal) => {
        const w = watcher();
        return w.wait(timeoutMs, signal, () => {
          if (!mark) return false;
          return w.events !== mark.events || this.store.changeStamp() !== mark.stamp;
        });
      },
    };
  }

  /** The operator's operations; they follow the store across close() and reopen. */
  override management(): ManagementStore {
    this.#management ??= new SqliteManagement(() => this.store);
    return this.#management;
  }

  override describeLocation(): string {
    return this.path;
  }

  override async close(): Promise<void> {
    this.#watcher?.close();
    this.#watcher = null;
    this.#workerStore = null;
    this.#store?.close();
    this.#store = null;
  }
}
