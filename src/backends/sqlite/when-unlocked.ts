import type { SqliteStore } from "./store.js";

const isBusy = (error: unknown) => (error as { code?: string }).code?.startsWith("SQLITE_BUSY") === true;

/**
 * Runs a write with SQLite's busy handler off, waiting for another process's lock in ~1 ms
 * asynchronous steps instead, up to the store's busyTimeoutMs. The handler sleeps
 * synchronously, which would freeze the event loop and the worker's running async tasks while
 * another process holds the lock; two workers draining one file (or waking for the same
 * schedule tick) overlap their work instead of taking turns sleeping.
 */
export async function whenUnlocked<T>(store: SqliteStore, fn: () => T): Promise<T> {
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
