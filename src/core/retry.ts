import { TASK_DEFAULTS } from "./defaults.js";

export interface Backoff {
  /** "fixed": every retry waits delayMs; "exponential": delayMs × 2^(attempt−1). */
  type: "fixed" | "exponential";
  delayMs: number;
  /** Upper bound for exponential delays. */
  maxDelayMs?: number;
  /** Randomise each delay by up to ±jitter (0..1, default 0.1) so retries do not stampede. */
  jitter?: number;
}

/**
 * The one rule for "may this task run again?", used by retries after a failed attempt and by
 * crash recovery alike: `attempts` is the number of runs so far, including the one that ended.
 */
export function hasAttemptsLeft(attempts: number, maxAttempts: number): boolean {
  return attempts < maxAttempts;
}

/**
 * When a task whose attempt ended without success should run again, or null when it has used
 * all its attempts. A crash-recovered run counts as an attempt and waits its backoff too.
 */
export function retryAt(
  policy: { maxAttempts: number; backoff: Backoff | undefined },
  attempts: number,
  now = Date.now(),
): Date | null {
  if (!hasAttemptsLeft(attempts, policy.maxAttempts)) return null;
  return new Date(now + retryDelayMs(policy.backoff, attempts));
}

/** Delay before retry number `attempts` (1 = the first retry): fixed or exponential, capped, jittered. */
export function retryDelayMs(backoff: Backoff | undefined, attempts: number, random = Math.random): number {
  if (!backoff) return 0;
  const base = backoff.type === "fixed" ? backoff.delayMs : backoff.delayMs * 2 ** (attempts - 1);
  const cap = backoff.maxDelayMs ?? Number.POSITIVE_INFINITY;
  // Jitter spreads retries of tasks that failed together (e.g. a dependency outage).
  const jitter = backoff.jitter ?? TASK_DEFAULTS.jitter;
  const jittered = Math.min(base, cap) * (1 + jitter * (2 * random() - 1));
  return Math.max(0, Math.round(Math.min(jittered, cap)));
}
