import type {
  AttemptOutcome,
  CompletionReport,
  QueueSelector,
  RecoveredTask,
  RecoveryPlan,
  WorkerPlan,
  WorkerRegistration,
  WorkerStore,
} from "../../contract/worker-store.js";
import type { TaskResultData } from "../../core/result.js";
import { CheckpointNudges } from "./checkpoints.js";
import { checkSameFile, fileIdentity } from "./file-identity.js";
import { type HeartbeatThread, startHeartbeatThread } from "./heartbeats.js";
import { isGone, ownIdentity } from "./local-process.js";
import { LockOutages } from "./lock-outages.js";
import { LeaseRecovery } from "./recovery.js";
import { LOCAL_PEERS } from "./sql/workers.js";
import type { SqliteStore } from "./store.js";
import type { WalWatcher } from "./wake.js";
import { NAP_MS, RETRY_AT_ONCE_MS, whenUnlocked } from "./when-unlocked.js";

/** How often the list of workers on this host is re-read (new peers are watched from then on). */
const PEERS_REFRESH_MS = 2_000;

/**
 * The page cache of a worker's connection, in KiB. A worker reads the hot queue's few pages
 * (READY index heads, the rows it claims, the counts), while a drain walks the whole table once:
 * with SQLite's default (16 MB in better-sqlite3's build) the cache only grows the worker's
 * memory. Measured draining 50k tasks at --concurrency 50: peak RSS 12–16 MB lower, rate unchanged.
 * 500 KiB (125 pages) still holds what a claim and its completions touch (the B-trees' upper
 * pages, the index heads, a few table leaves): against 2,000 KiB, interleaved 50k drains, peak
 * RSS ~2 MB lower at --concurrency 50 (84–86 against 86–89 MB, 10 rounds; as much with scattered
 * priorities) and at 1 (77–78 against 80 MB, 3 rounds), rates within noise; 250 KiB saved no more.
 */
const WORKER_CACHE_KIB = 500;

/**
 * One worker of this process, as this store knows it. Per worker, not per store: runWorker() can
 * run several workers on one backend (one per queue, say).
 * - A second worker took over the first one's heartbeat slot, leaving that thread running for
 *   ever (the process never exited) and stopping its own with the first.
 * - With one `mark` and `filledAll` for all, a worker draining a backlog switched the shared
 *   watcher off, and the other, idle, slept through new tasks until the backlog was done.
 */
interface WorkerSlot {
  /** Its heartbeat thread, and the record of its beats' waits for the lock. */
  thread: HeartbeatThread | null;
  readonly outages: LockOutages;
  /**
   * What its last claim saw: a wait returns at once if anything changed since. `watched`: the
   * watcher was armed before that claim began, so no commit after the claim goes unseen.
   */
  mark: { events: number; stamp: string | undefined; watched: boolean } | null;
  /**
   * How many free slots its last claim filled, when it filled every one (0 when it left some free).
   * - Any: the worker is saturated, its next step is another claim, so the watcher can be off
   *   until a wait may follow (wake.ts), unless another worker of this store is idle.
   * - Several: it is draining, a backlog is likely waiting, so its next claim retries another
   *   process's lock at once (one slot filled says little: it is also how every wake-up of an
   *   idle worker ends).
   */
  filledAll: number;
}

/** What the worker store needs from its backend: the open store (reopened after close()) and the watcher. */
export interface SqliteWorkerStoreSource {
  readonly store: SqliteStore;
  watcher(): WalWatcher;
  readonly heartbeatMs: number;
  /** Whether the worker's tasks carry per-key limits (the store's claims then check keys). */
  keyLimits: boolean;
}

/**
 * The generic worker loop's operations on a SQLite file: claims and completions in one
 * transaction with an asynchronous wait for the lock, heartbeats in a thread of their own,
 * lease recovery, and wake-ups from the WAL watcher instead of polling.
 */
export class SqliteWorkerStore implements WorkerStore {
  readonly #source: SqliteWorkerStoreSource;
  #recovery: { store: SqliteStore; leases: LeaseRecovery } | null = null;
  /** Each worker of this process, by id. */
  readonly #workers = new Map<string, WorkerSlot>();
  /** The worker that claimed last: whose mark a wait without a worker id compares with. */
  #lastClaim: WorkerSlot | null = null;
  #peers: { id: string; pid: number; proc_start: string }[] = [];
  #peersReadAt = Number.NEGATIVE_INFINITY;
  /** Cues for the checkpoints the heartbeat thread runs while this worker writes (checkpoints.ts). */
  readonly #checkpoints = new CheckpointNudges();
  /** Which file the database path named when this worker registered (file-identity.ts). */
  #file: string | null | undefined;
  /** The -wal file as registration found it (file-identity.ts), when there was one. */
  #log: string | null = null;

  constructor(source: SqliteWorkerStoreSource) {
    this.#source = source;
  }

  /** The connection whose page cache this worker sized: a store reopened after close() is sized again. */
  #sized: SqliteStore | null = null;

  get #store(): SqliteStore {
    const store = this.#source.store;
    if (store !== this.#sized) {
      store.db.pragma(`cache_size = -${WORKER_CACHE_KIB}`);
      this.#sized = store;
    }
    return store;
  }

  /** Tied to the open connection: close() followed by a new use reopens both. */
  get #leases(): LeaseRecovery {
    const store = this.#store;
    if (this.#recovery?.store !== store) {
      this.#recovery = {
        store,
        leases: new LeaseRecovery(store.db, store.statements, store.leaseMs, () => store.changedLocally()),
      };
    }
    return this.#recovery.leases;
  }

  configure(plan: WorkerPlan): void {
    this.#source.keyLimits = plan.keyLimits;
  }

  async registerWorker(worker: WorkerRegistration): Promise<void> {
    const store = this.#store;
    this.#file = fileIdentity(store.path);
    store.registerWorker(worker);
    // After a write of this connection's: the log exists, and stays while the connection is open.
    this.#log = fileIdentity(`${store.path}-wal`) ?? null;
    const slot = this.#slotOf(worker.id);
    slot.thread = startHeartbeatThread(
      {
        path: store.path,
        leaseMs: store.leaseMs,
        heartbeatMs: this.#source.heartbeatMs,
        busyTimeoutMs: store.busyTimeoutMs,
        outages: slot.outages.buffer,
        checkpoints: this.#checkpoints.buffer,
      },
      worker.id,
    );
  }

  /** After a transaction of this worker's that claimed or finished `rows` rows: the thread's cue to checkpoint. */
  #wrote(rows: number): void {
    if (rows === 0) return;
    for (const slot of this.#workers.values()) {
      if (slot.thread?.alive) {
        this.#checkpoints.wrote(rows);
        return;
      }
    }
  }

  /**
   * Also checks that the database path still names the file this worker serves (file-identity.ts).
   * The thread beats while it is starting or running; this is the fallback where it could not start or died.
   */
  async heartbeat(workerId: string): Promise<void> {
    if (this.#file) checkSameFile(this.#store.path, this.#file, this.#log);
    const slot = this.#slotOf(workerId);
    if (slot.thread?.alive) {
      // The thread's own reports reach the worker's log here (as a survived store error).
      const errors = slot.thread.takeErrors();
      const last = errors.at(-1);
      if (last !== undefined) throw new Error(errors.length > 1 ? `${last} (${errors.length} reports)` : last);
      return;
    }
    slot.outages.begin(Date.now());
    try {
      this.#store.heartbeat(workerId);
    } finally {
      slot.outages.end(Date.now());
    }
  }

  /** A worker's slot (made on first use). */
  #slotOf(workerId: string): WorkerSlot {
    let slot = this.#workers.get(workerId);
    if (!slot) {
      slot = { thread: null, outages: new LockOutages(), mark: null, filledAll: 0 };
      this.#workers.set(workerId, slot);
    }
    return slot;
  }

  async markWorkerStopped(workerId: string): Promise<void> {
    const slot = this.#workers.get(workerId);
    await slot?.thread?.stop();
    this.#workers.delete(workerId);
    if (this.#lastClaim === slot) this.#lastClaim = null;
    this.#store.markWorkerStopped(workerId);
  }

  async claim(
    workerId: string,
    selector: QueueSelector,
    limit: number,
    completed: AttemptOutcome[] = [],
  ): Promise<{ claimed: TaskResultData[] } & CompletionReport> {
    const store = this.#store;
    const watcher = this.#source.watcher();
    const slot = this.#slotOf(workerId);
    // Before the claim, so no commit after it goes unseen; not after a claim that filled every
    // slot (the worker claims again before it could wait: arming and disarming per task costs
    // more than it saves), so a wait after such a claim re-arms first (waitForChange).
    if (slot.filledAll === 0) watcher.arm();
    const watched = watcher.armed;
    const result = await whenUnlocked(
      store,
      () => store.claimAndComplete(workerId, selector, limit, Date.now(), completed),
      slot.filledAll > 1 ? { atOnceMs: RETRY_AT_ONCE_MS } : { napMs: NAP_MS },
    );
    this.#wrote(result.claimed.length + completed.length);
    slot.filledAll = result.claimed.length === limit ? limit : 0;
    // Off only while every worker of this store is saturated: an idle one waits on it.
    if (slot.filledAll > 0 && this.#allSaturated()) watcher.disarm();
    slot.mark = { events: watcher.events, stamp: store.claimStamp, watched };
    this.#lastClaim = slot;
    return result;
  }

  /** Whether every worker of this store filled all its free slots at its last claim (a loop: once per claim). */
  #allSaturated(): boolean {
    for (const slot of this.#workers.values()) if (slot.filledAll === 0) return false;
    return true;
  }

  async complete(outcomes: AttemptOutcome[]): Promise<CompletionReport> {
    const store = this.#store;
    const dropped = await whenUnlocked(store, () => store.complete(outcomes));
    this.#wrote(outcomes.length);
    return { dropped };
  }

  /**
   * Leases that ran out are recovered, but time nobody could write (this worker's heartbeats
   * waited for another process's lock) does not count: a lease expires only that much later,
   * plus one heartbeat period for the holders' own timing. Waits for the lock asynchronously.
   */
  async recover(workerId: string, ownLeftovers: boolean, plan: RecoveryPlan): Promise<RecoveredTask[]> {
    const store = this.#store;
    const leases = this.#leases;
    const { outages } = this.#slotOf(workerId);
    const own = ownLeftovers ? await whenUnlocked(store, () => leases.recoverOwn(workerId, plan)) : [];
    const expired = await whenUnlocked(store, () => {
      const now = Date.now();
      const window = store.leaseMs + 2 * this.#source.heartbeatMs;
      // An outage longer than the window pushes the holder's last beat further back: widen it by
      // what was blocked until it covers the whole outage.
      let blocked = 0;
      for (let i = 0; i < 8; i++) {
        const found = outages.blockedMs(now - window - blocked, now);
        if (found === blocked) break;
        blocked = found;
      }
      const slack = blocked > 0 ? this.#source.heartbeatMs : 0;
      return leases.recoverExpired(plan, now, now - blocked - slack);
    });
    return [...own, ...expired];
  }

  /**
   * Peers on this host (same boot and pid namespace), re-read from the registry every couple of
   * seconds; each call only checks /proc for them, so an idle worker spends microseconds here.
   */
  async recoverGoneLocal(workerId: string, plan: RecoveryPlan): Promise<RecoveredTask[]> {
    const identity = ownIdentity();
    if (!identity) return [];
    const store = this.#store;
    const now = Date.now();
    if (now - this.#peersReadAt >= PEERS_REFRESH_MS) {
      this.#peers = store.statements
        .get<{ id: string; pid: number; proc_start: string }>(LOCAL_PEERS)
        .all({ key: identity.key, me: workerId });
      this.#peersReadAt = now;
    }
    const gone = this.#peers.filter((peer) => isGone(peer.pid, peer.proc_start));
    if (gone.length === 0) return [];
    this.#peers = this.#peers.filter((peer) => !gone.includes(peer));
    const leases = this.#leases;
    const recovered: RecoveredTask[] = [];
    for (const peer of gone) {
      recovered.push(
        ...(await whenUnlocked(store, () => leases.recoverGone({ id: peer.id, procStart: peer.proc_start }, plan))),
      );
    }
    return recovered;
  }

  async nextDueInMs(selector: QueueSelector): Promise<number | null> {
    return this.#store.nextDueInMs(selector, Date.now());
  }

  /** Whether anything changed since a claim's stamp, read under the write lock; when in doubt (the lock is held, an error), yes. */
  #changedSince(stamp: string | undefined): boolean {
    try {
      return this.#store.lockedChangeStamp() !== stamp;
    } catch {
      return true; // another connection is writing (SQLITE_BUSY), or the claim will report what failed
    }
  }

  waitForChange(timeoutMs: number, signal: AbortSignal, workerId?: string): Promise<void> {
    const watcher = this.#source.watcher();
    const slot = workerId === undefined ? this.#lastClaim : this.#slotOf(workerId);
    if (slot?.mark && !slot.mark.watched) {
      // Its last claim ran unwatched: a commit since it may have gone unseen. Arm; from here on
      // every commit writes frames the watcher sees. What came before, it may not have seen: the
      // change stamp read under the write lock tells (no commit is half-way meanwhile). Changed,
      // or another connection writing now: the caller claims again. Unchanged: it waits, without
      // the empty claim (and next-due query) that re-claiming cost every idle worker per task.
      watcher.arm();
      slot.mark = { ...slot.mark, events: watcher.events, watched: true };
      if (this.#changedSince(slot.mark.stamp)) return Promise.resolve();
    }
    return watcher.wait(timeoutMs, signal, () => {
      const mark = slot?.mark;
      if (!mark) return false;
      return watcher.events !== mark.events || this.#store.changeStamp() !== mark.stamp;
    });
  }
}
