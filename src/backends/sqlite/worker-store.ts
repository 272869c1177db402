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
import { checkSameFile, fileIdentity } from "./file-identity.js";
import { holdLiveness, holdsLiveness, type LivenessHold, probeLiveness } from "./liveness.js";
import { isGone, ownIdentity } from "./local-process.js";
import { LockOutages } from "./lock-outages.js";
import { LeaseRecovery } from "./recovery.js";
import { LOCAL_PEERS } from "./sql/workers.js";
import { isBusy, isDiskFull } from "./storage-errors.js";
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
 * - A second worker once took over the first one's heartbeat slot (then a thread per worker),
 *   leaving that thread running for ever and stopping its own with the first.
 * - With one `mark` and `filledAll` for all, a worker draining a backlog switched the shared
 *   watcher off, and the other, idle, slept through new tasks until the backlog was done.
 */
interface WorkerSlot {
  /** Its liveness lock (liveness.ts), held from registration to stop; null where none could be held. */
  liveness: LivenessHold | null;
  /** The record of its beats' waits for the lock, and the beat in progress (one at a time). */
  readonly outages: LockOutages;
  beat: Promise<void> | null;
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

/** A running worker on this host, as the registry has it. */
interface LocalPeer {
  id: string;
  pid: number;
  proc_start: string;
  started_at: number;
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
 * The generic worker loop's operations on a SQLite file: claims, completions and heartbeats each
 * in one transaction with an asynchronous wait for the lock, lease recovery that spares workers
 * still holding their liveness lock, and wake-ups from the WAL watcher instead of polling.
 */
export class SqliteWorkerStore implements WorkerStore {
  readonly #source: SqliteWorkerStoreSource;
  #recovery: { store: SqliteStore; leases: LeaseRecovery } | null = null;
  /** Each worker of this process, by id. */
  readonly #workers = new Map<string, WorkerSlot>();
  /** The worker that claimed last: whose mark a wait without a worker id compares with. */
  #lastClaim: WorkerSlot | null = null;
  #peers: LocalPeer[] = [];
  #peersReadAt = Number.NEGATIVE_INFINITY;
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
        leases: new LeaseRecovery(
          store.db,
          store.statements,
          store.leaseMs,
          () => store.changedLocally(),
          (worker) => holdsLiveness(store.path, worker),
        ),
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
    slot.liveness?.release();
    slot.liveness = holdLiveness(store.path, worker.id, worker.startedAt.getTime());
  }

  /**
   * Also checks that the database path still names the file this worker serves (file-identity.ts).
   * Waits for another process's lock asynchronously, up to a whole lease (or the busy timeout if
   * longer), recording the wait (lock-outages.ts): recovery does not count it against leases.
   * A beat still waiting when the next is due is not doubled.
   */
  async heartbeat(workerId: string): Promise<void> {
    if (this.#file) checkSameFile(this.#store.path, this.#file, this.#log);
    const slot = this.#slotOf(workerId);
    if (slot.beat) return;
    slot.beat = this.#beat(workerId, slot.outages).finally(() => {
      slot.beat = null;
    });
    await slot.beat;
  }

  async #beat(workerId: string, outages: LockOutages): Promise<void> {
    const store = this.#store;
    const waitMs = Math.max(store.busyTimeoutMs, store.leaseMs);
    outages.begin(Date.now());
    try {
      await whenUnlocked(store, () => store.heartbeat(workerId), { waitMs });
      outages.end(Date.now());
    } catch (error) {
      // Still locked after that long, or a full disk (which stops every writer's beats, the
      // holders' as much as this one's): the outage stays open until a beat goes through.
      if (isBusy(error)) {
        throw new Error(
          `heartbeats have waited ${waitMs} ms for another process's write lock and keep waiting; the wait does not count against this worker's leases`,
        );
      }
      if (!isDiskFull(error)) outages.end(Date.now());
      throw error;
    }
  }

  /** A worker's slot (made on first use). */
  #slotOf(workerId: string): WorkerSlot {
    let slot = this.#workers.get(workerId);
    if (!slot) {
      slot = { liveness: null, outages: new LockOutages(), beat: null, mark: null, filledAll: 0 };
      this.#workers.set(workerId, slot);
    }
    return slot;
  }

  async markWorkerStopped(workerId: string): Promise<void> {
    const slot = this.#workers.get(workerId);
    this.#workers.delete(workerId);
    if (this.#lastClaim === slot) this.#lastClaim = null;
    try {
      this.#store.markWorkerStopped(workerId);
    } finally {
      slot?.liveness?.release();
    }
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
      this.#peers = store.statements.get<LocalPeer>(LOCAL_PEERS).all({ key: identity.key, me: workerId });
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
      // Its process is gone, so is its lock: the probe finds it free and removes the file.
      probeLiveness(store.path, peer.id, peer.started_at);
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
