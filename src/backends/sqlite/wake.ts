import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, join } from "node:path";

/** setTimeout's ceiling (~24.8 days); larger delays would fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Wakes idle workers when the database may have changed, without polling.
 *
 * Every commit in WAL mode, by any process, write()s frames to `<db>-wal`; fs.watch on that
 * file (inotify on Linux, kqueue on macOS) reports it within a millisecond or so. While the WAL
 * does not exist (the last connection to close deletes it), a watcher on its folder waits for
 * it to appear and then hands over to a file watcher. The caller's timeout is the fallback for
 * anything a watcher cannot see (network filesystems, a dropped event).
 *
 * One watcher at a time, not both: a commit is ~8 frame writes, and inotify merges repeated
 * events only when they follow each other in its queue. With a folder watch and a file watch
 * both live, their events alternate and nothing merged: ~30 callbacks per commit, which cost a
 * worker at --concurrency 1 about 13% of its rate (the file watch alone: about one per commit).
 *
 * Lifetime, the trade-off: a watcher is armed before a claim that a wait may follow, and kept
 * until close() or disarm(), instead of being armed for each wait and released after it.
 * - Armed before the claim: no gap in which a commit goes unseen. A commit that lands between
 *   a worker's empty claim and its next wait still bumps `events`, so that wait returns at
 *   once. Arming only at the wait leaves that gap open (an unseen commit waits for the
 *   timeout).
 * - Disarmed while a worker is saturated (its last claim filled every free slot, so its next
 *   step is another claim, never a wait): every frame written to a watched file costs the
 *   kernel an event, and the worker a callback per commit, ~4% of a worker's rate at
 *   --concurrency 1. The worker store (worker-store.ts) re-arms before a wait can follow.
 * - Armed, it is one inotify watch per backend. Watchers are `persistent: false`, so they never
 *   keep the process alive, and processes that only enqueue never create them.
 * Events are not filtered by who wrote: this process's own commits (a heartbeat, a completed
 * task) may wake it once for nothing, which costs one empty claim. Filtering them with
 * `PRAGMA data_version` would race: the event fires when the frames are written, a moment
 * before the writer publishes the new WAL header that data_version reads.
 */
export class WalWatcher {
  readonly dbPath: string;
  readonly #dir: string;
  readonly #walName: string;
  #dirWatcher: FSWatcher | null = null;
  #walWatcher: FSWatcher | null = null;
  #armed = false;
  #closed = false;
  #events = 0;
  readonly #waiters = new Set<() => void>();

  constructor(dbPath: string) {
    this.dbPath = dbPath;
    this.#dir = dirname(dbPath);
    this.#walName = `${basename(dbPath)}-wal`;
  }

  /** How many change notifications have arrived so far (compare before/after to spot one). */
  get events(): number {
    return this.#events;
  }

  /** True while a watcher on the WAL file itself is live (for tests and diagnostics). */
  get watchingWal(): boolean {
    return this.#walWatcher !== null;
  }

  /** True between arm() and disarm() or close(). */
  get armed(): boolean {
    return this.#armed;
  }

  /** Starts watching (idempotent). */
  arm(): void {
    if (this.#closed) return;
    this.#armed = true;
    if (!this.#walWatcher) this.#watchWal();
  }

  /** Stops watching until the next arm(); pending waits keep waiting (for their timeout, or a poke). */
  disarm(): void {
    this.#armed = false;
    this.#dirWatcher?.close();
    this.#walWatcher?.close();
    this.#dirWatcher = null;
    this.#walWatcher = null;
  }

  /** Reports a change made in this process (no need to wait for the filesystem event). */
  poke(): void {
    this.#changed();
  }

  /**
   * Resolves on the next change notification, after `timeoutMs`, or when `signal` aborts;
   * at once if `changedSince()` says something changed already. Never rejects.
   */
  wait(timeoutMs: number, signal?: AbortSignal, changedSince?: () => boolean): Promise<void> {
    if (signal?.aborted || this.#closed) return Promise.resolve();
    this.arm();
    let changed = false;
    try {
      changed = changedSince?.() ?? false;
    } catch {
      changed = true; // e.g. the database was closed: let the caller find out.
    }
    if (changed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(Math.max(0, timeoutMs), MAX_TIMEOUT_MS));
      signal?.addEventListener("abort", done, { once: true });
      this.#waiters.add(done);
    });
  }

  /** Releases the watchers and resolves every pending wait. */
  close(): void {
    this.#closed = true;
    this.disarm();
    for (const done of [...this.#waiters]) done();
  }

  #changed(): void {
    this.#events++;
    for (const done of [...this.#waiters]) done();
  }

  #watchDir(): void {
    try {
      const watcher = watch(this.#dir, { persistent: false }, (_eventType, filename) => {
        if (filename !== this.#walName) return;
        // The WAL appeared (or was written): hand over to a watcher on the file itself.
        this.#watchWal();
        this.#changed();
      });
      watcher.on("error", () => {
        watcher.close();
        if (this.#dirWatcher === watcher) this.#dirWatcher = null;
        // The folder is gone or unreadable: the next wait() retries; until then, timeouts.
      });
      this.#dirWatcher = watcher;
    } catch {
      this.#dirWatcher = null;
    }
  }

  /** Watches the WAL file; while it does not exist, its folder instead (never both at once). */
  #watchWal(): void {
    this.#walWatcher?.close();
    this.#walWatcher = null;
    if (!this.#armed) return;
    // The folder first, then the file: a WAL created in between is seen by one of them.
    if (!this.#dirWatcher) this.#watchDir();
    try {
      const watcher = watch(join(this.#dir, this.#walName), { persistent: false }, (eventType) => {
        // "rename": deleted or replaced; this watcher follows a dead inode, so re-arm.
        if (eventType === "rename") this.#watchWal();
        this.#changed();
      });
      watcher.on("error", () => {
        watcher.close();
        if (this.#walWatcher === watcher) {
          this.#walWatcher = null;
          this.#watchWal();
        }
        this.#changed();
      });
      this.#walWatcher = watcher;
      this.#dirWatcher?.close();
      this.#dirWatcher = null;
    } catch {
      // No WAL file yet: the folder watcher re-arms when it is created.
      this.#walWatcher = null;
    }
  }
}
