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
 *   one with 1 ms steps, ~1.2× retrying at once). A worker woken from idle does not retry at
 *   once (it naps first: NAP_MS below): when every worker retried at once, an idle worker
 *   woken by an enqueue was slower to start it (p99 2–3 → 5–6 ms), its peers spinning on the
 *   lock beside it.
 */
export const RETRY_AT_ONCE_MS = 5;

/**
 * How long a worker's claim that did not fill its slots last time may nap before the
 * asynchronous steps: the event loop sleeps (Atomics.wait, which frees the core) ~0.1 ms at a
 * time, so it blocks for at most this long. Why: a commit writes ~6 WAL frames and the
 * wake-up watcher (wake.ts) fires at the first, so an idle worker woken by an enqueue tries its
 * claim while that commit still holds the lock in ~7% of wake-ups (counted on 2 cores, 400
 * enqueues 20 ms apart); the commit ends ~0.1–0.3 ms later, but the first asynchronous step
 * is a timer (≥ 1 ms). Napping instead halved the enqueue → start latencies over 2 ms
 * (p95 2.6–2.9 → 1.6–2.0 ms, 3 rounds each). Retrying at every turn spins a core the
 * committing process needs: its commit took 2–3 ms instead of 0.25 (RETRY_AT_ONCE_MS above).
 * A saturated worker (its last claim filled every slot) never naps: its tasks run meanwhile.
 */
export const NAP_MS = 1;

/** One nap: Atomics.wait sleeps ~0.1 ms for this (the kernel's timer slack adds the rest). */
const NAP_STEP_MS = 0.05;
/** What a nap waits on: nothing ever notifies it, so each nap lasts its timeout. */
const napCell = new Int32Array(new SharedArrayBuffer(4));

/** How a write waits for another process's lock before its ~1 ms steps (each 0 by default). */
export interface LockWait {
  /** Naps first, for this long (NAP_MS above). */
  napMs?: number;
  /** Then retries at every turn of the event loop, until this long has passed (RETRY_AT_ONCE_MS above). */
  atOnceMs?: number;
  /** Gives up (SQLITE_BUSY) after this long; the store's busyTimeoutMs by default. */
  waitMs?: number;
}

/**
 * Runs a write with SQLite's busy handler off, waiting for another process's lock in
 * asynchronous steps instead (~1 ms, after what `wait` asks for first), up to the store's
 * busyTimeoutMs. The handler sleeps synchronously for as long as the lock is held, which would
 * freeze the event loop and the worker's running async tasks while another process holds the
 * lock; two workers draining one file (or waking for the same schedule tick) overlap their work
 * instead of taking turns sleeping.
 */
export async function whenUnlocked<T>(store: SqliteStore, fn: () => T, wait: LockWait = {}): Promise<T> {
  const { napMs = 0, atOnceMs = 0, waitMs = store.busyTimeoutMs } = wait;
  const started = performance.now();
  const deadline = started + waitMs;
  for (;;) {
    try {
      return store.withoutBusyWait(fn);
    } catch (error) {
      if (!isBusy(error)) throw error;
      const now = performance.now();
      if (now >= deadline) throw error;
      if (now - started < napMs) Atomics.wait(napCell, 0, 0, NAP_STEP_MS);
      else if (now - started < atOnceMs) await turn();
      else await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.5 ? 0 : 1));
    }
  }
}
