/** One caller's answer from a shared write: its own value or its own error. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Waiting<T, R> {
  item: T;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: writes requested together are handed to `write` at once, so they share one
 * transaction instead of paying one commit each (SQLite's cost per commit is the pages it
 * writes, not the rows). `write` settles each item on its own: one bad item never fails the
 * others. A group reaching `maxItems` is written at once, which bounds how long one transaction
 * holds the write lock.
 *
 * When a group is written, the trade-off between waiting for company and answering fast:
 * - A write requested from a fresh callback (an HTTP request's handler, a timer, the first of
 *   a `Promise.all`) waits for the end of this turn of the event loop (setImmediate): every
 *   request handled in the same turn joins it.
 * - A write requested while the answers of the previous group are still being handed out (its
 *   callers' promise chains, which run as microtasks) is written as soon as those chains have
 *   run (process.nextTick runs after the microtask queue drains). A caller awaiting one enqueue
 *   after another never waits for a turn of the event loop, which would cost more than the
 *   commit it saves, while many callers looping in step still share each commit.
 */
export class GroupCommit<T, R> {
  readonly #write: (items: T[]) => Settled<R>[] | Promise<Settled<R>[]>;
  readonly #maxItems: number;
  #waiting: Waiting<T, R>[] = [];
  #scheduled = false;
  /** True while the promise chains of the last group's callers run (see above). */
  #answering = false;
  /** A group whose write is waiting (for another process's lock): the next waits its turn. */
  #inFlight: Promise<void> | null = null;
  readonly #run = () => {
    this.#scheduled = false;
    void this.flush();
  };

  /**
   * `write` answers at once, or, when it must wait (another process holds the write lock), with
   * a promise: the groups after it wait their turn, so groups are stored in the order requested.
   */
  constructor(write: (items: T[]) => Settled<R>[] | Promise<Settled<R>[]>, maxItems: number) {
    this.#write = write;
    this.#maxItems = maxItems;
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (this.#waiting.length >= this.#maxItems) void this.flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        if (this.#answering) process.nextTick(this.#run);
        else setImmediate(this.#run);
      }
    });
  }

  /**
   * Writes what is waiting now, at most `maxItems` per group; resolves once every write asked
   * so far is done (close() awaits it so no caller is left hanging).
   */
  async flush(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
    while (this.#waiting.length > 0) {
      const group = this.#waiting.splice(0, this.#maxItems);
      let written: Settled<R>[] | Promise<Settled<R>[]>;
      try {
        written = this.#write(group.map((w) => w.item));
      } catch (error) {
        written = group.map(() => ({ ok: false, error }));
      }
      if (Array.isArray(written)) {
        this.#answer(group, written);
        continue;
      }
      const settled = written.then(
        (answers) => this.#answer(group, answers),
        (error: unknown) =>
          this.#answer(
            group,
            group.map(() => ({ ok: false, error })),
          ),
      );
      this.#inFlight = settled;
      await settled;
      this.#inFlight = null;
    }
  }

  #answer(group: Waiting<T, R>[], settled: Settled<R>[]): void {
    group.forEach((waiting, i) => {
      const answer = settled[i] ?? { ok: false, error: new Error("group commit: no answer for this write") };
      if (answer.ok) waiting.resolve(answer.value);
      else waiting.reject(answer.error);
    });
    // The callers' continuations are queued now; a microtask queued after them queues a tick,
    // and ticks run only once the microtask queue is empty: then their chains are done.
    this.#answering = true;
    queueMicrotask(() =>
      process.nextTick(() => {
        this.#answering = false;
      }),
    );
  }
}
