import { setImmediate as turn } from "node:timers/promises";
import { isBusy } from "./storage-errors.js";
import type { SqliteStore } from "./store.js";

/**
 * How long a waiting write retries at every turn of the event loop before it backs off to
 * ~1 ms steps. Two callers pass it:
 * - Enqueues (the backend's group commit): prune and big enqueueMany calls leave the lock free
 *   for 5–50 ms between batches (lock-gaps.ts), and retrying at once catches the first gap.
 * - A worker's claim while it drains (its last claim filled several free slots): two workers
 *   draining one file pass the lock back and forth every ~1 ms, and a 1 ms timer after each
 *   miss leaves one of them idle (measured on 2 cores, --concurrency 50: two processes ~1.0×
 *   one with 1 ms steps, ~1.2× retrying at once). A worker woken from idle keeps the ~1 ms
 *   steps (0): when every worker retried at once, an idle worker woken by an enqueue was
 *   slower to start it (p99 2–3 → 5–6 ms), its peers spinning on the lock beside it.
 */
export const RETRY_AT_ONCE_MS = 5;

/**
 * Runs a write with SQLite's busy handler off, waiting for another process's lock in
 * asynchronous steps instead (~1 ms; at every turn for the first `retryAtOnceMs`), up to the
 * store's busyTimeoutMs. The handler sleeps synchronously, which would freeze the event loop
 * and the worker's running async tasks while another process holds the lock; two workers
 * draining one file (or waking for the same schedule tick) overlap their work instead of
 * taking turns sleeping.
 */
export async function whenUnlocked<T>(store: SqliteStore, fn: () => T, retryAtOnceMs = 0): Promise<T> {
  const started = Date.now();
  const deadline = started + store.busyTimeoutMs;
  for (;;) {
    try {
      return store.withoutBusyWait(fn);
    } catch (error) {
      if (!isBusy(error)) throw error;
      const now = Date.now();
      if (now >= deadline) throw error;
      if (now - started < retryAtOnceMs) await turn();
      else await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.5 ? 0 : 1));
    }
  }
}
