import type { AnyTask } from "./task.js";

/**
 * When a failed attempt should run again, or null when it has used all its attempts.
 * `attempts` is the number of runs so far (including the one that just failed).
 */
export function retryAt(task: AnyTask, attempts: number, now = Date.now()): Date | null {
  if (attempts >= task.maxAttempts) return null;
  return new Date(now + retryDelayMs(task.backoff, attempts));
}

/** Delay before retry number `attempts` (1 = the first retry): fixed or exponential, capped, jittered. */
export function retryDelayMs(backoff: AnyTask["backoff"], attempts: number, random = Math.random): number {
  if (!backoff) return 0;
  const base = backoff.type === "fixed" ? backoff.delayMs : backoff.delayMs * 2 ** (attempts - 1);
  const cap = backoff.maxDelayMs ?? Number.POSITIVE_INFINITY;
  // Jitter spreads retries of tasks that failed together (e.g. a dependency outage).
  const jitter = backoff.jitter ?? 0.1;
  const jittered = Math.min(base, cap) * (1 + jitter * (2 * random() - 1));
  return Math.max(0, Math.round(Math.min(jittered, cap)));
}
