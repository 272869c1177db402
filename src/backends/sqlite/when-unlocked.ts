import { setImmediate as turn } from "node:timers/promises";
import type { SqliteStore } from "./store.js";

/** SQLITE_BUSY or one of its extended codes: another connection holds the lock. */
export const isBusy = (error: unknown) => (error as { code?: string }).code?.startsWith("SQLITE_BUSY") === true;

/**
 * How long a waiting write retries at every turn of the event loop before it backs off to
 * ~1 ms steps. Another worker's claim + completion holds the lock for about a millisecond:
 * two workers draining one file pass the lock back and forth, and a 1 ms timer after each miss
 * left the lock idle most of that time (measured with raw statements, two processes, 50 tasks
 * per transaction: 1.07× one process with 1 ms waits, 1.43× retrying at once). A lock held for
 * long (a prune batch, a big enqueueMany) is waited out in 1 ms steps, not by spinning.
 */
const RETRY_AT_ONCE_MS = 5;

/**
 * Runs a write with SQLite's busy handler off, waiting for another process's lock in
 * asynchronous steps instead, up to the store's busyTimeoutMs. The handler sleeps
 * synchronously, which would freeze the event loop and the worker's running async tasks while
 * another process holds the lock; two workers draining one file (or waking for the same
 * schedule tick) overlap their work instead of taking turns sleeping.
 */
export async function whenUnlocked<T>(store: SqliteStore, fn: () => T): Promise<T> {
  const started = Date.now();
  const deadline = started + store.busyTimeoutMs;
  for (;;) {
    try {
      return store.withoutBusyWait(fn);
    } catch (error) {
      if (!isBusy(error)) throw error;
      const now = Date.now();
      if (now >= deadline) throw error;
      if (now - started < RETRY_AT_ONCE_MS) await turn();
      else await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.5 ? 0 : 1));
    }
  }
}
