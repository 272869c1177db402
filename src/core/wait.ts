import { UsageError, WaitTimeout } from "./errors.js";
import { checkKnownKeys, describeValue } from "./validation.js";

/** `result.wait()`'s options. */
export interface WaitOptions {
  /** Give up after this long with WaitTimeout (default 30 s, as `tasks enqueue --wait`; Infinity: never). */
  timeoutMs?: number;
  /** Stop waiting when it aborts: the wait rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Word from a backend that its results may have changed (the SQLite backend's WAL watcher), so a
 * wait need not poll. Open from the moment it is made until close(): a change between two
 * next() calls is not missed.
 */
export interface ChangeFeed {
  /**
   * Resolves true on a change since the last call (or since the feed was made), false after
   * `timeoutMs`; null at once when it can no longer tell (its backend was closed): the wait then
   * paces itself.
   */
  next(timeoutMs: number, signal?: AbortSignal): Promise<boolean | null>;
  close(): void;
}

/** What a wait needs of a result. */
interface Waitable {
  readonly id: string;
  readonly taskName: string;
  readonly status: string;
  readonly isFinished: boolean;
  refresh(): Promise<void>;
}

const DEFAULT_WAIT_MS = 30_000;
/**
 * Re-reads after a change, or after this pause, doubling up to MAX_PAUSE_MS while nothing
 * changes. A re-read costs microseconds on SQLite and one round trip on Redis: a task that
 * finishes within a few milliseconds is seen within a few, and a long one costs four re-reads a
 * second. The feed's word can come a moment before the change is readable (its frames are
 * written before the commit is published), hence the short pause after it.
 */
const FIRST_PAUSE_MS = 5;
const MAX_PAUSE_MS = 250;

/**
 * Re-reads `result` until it is finished; WaitTimeout after `timeoutMs`. `openFeed` is called
 * once the options are checked; `onRead` after each read (`tasks enqueue --wait`'s spinner).
 */
export async function waitUntilFinished(
  result: Waitable,
  openFeed: () => ChangeFeed | undefined,
  options: WaitOptions,
  onRead?: () => void,
): Promise<void> {
  const timeoutMs = checkedTimeout(options);
  const { signal } = options;
  const deadline = performance.now() + timeoutMs;
  const feed = openFeed();
  try {
    let pause = FIRST_PAUSE_MS;
    for (;;) {
      signal?.throwIfAborted();
      const readAt = performance.now();
      await result.refresh();
      onRead?.();
      if (result.isFinished) return;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new WaitTimeout(
          `Task "${result.taskName}" ${result.id} is still ${result.status} after waiting ${timeoutMs} ms`,
        );
      }
      const slice = Math.min(pause, remaining);
      const changed = (await feed?.next(slice, signal)) ?? (await sleep(slice, signal));
      pause = changed ? FIRST_PAUSE_MS : Math.min(pause * 2, MAX_PAUSE_MS);
      // Next to a busy store (a worker draining) the feed has news at every commit, thousands a
      // second: a waiter re-reads at most once every FIRST_PAUSE_MS all the same.
      const early = readAt + FIRST_PAUSE_MS - performance.now();
      if (changed && early > 0) await sleep(Math.ceil(early), signal);
    }
  } finally {
    feed?.close();
  }
}

function checkedTimeout(options: WaitOptions): number {
  if (typeof options !== "object" || options === null) {
    throw new UsageError(`result.wait(options): options must be an object, got ${describeValue(options)}`);
  }
  checkKnownKeys("result.wait(options)", options, ["timeoutMs", "signal"], UsageError);
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs <= 0) {
    throw new UsageError(
      `result.wait(options): timeoutMs must be a number of milliseconds above 0 (or Infinity), got ${describeValue(timeoutMs)}`,
    );
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new UsageError(`result.wait(options): signal must be an AbortSignal, got ${describeValue(options.signal)}`);
  }
  return timeoutMs;
}

/** Resolves false after `ms`, or at once when `signal` aborts (the caller then throws its reason). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve(false);
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
