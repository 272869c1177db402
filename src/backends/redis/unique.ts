import { createHash } from "node:crypto";
import type { UniqueHold } from "../../core/task-controls.js";

// Unique tasks on Redis hold their key through BullMQ's deduplication: the add script sets
// `<prefix>:<queue>:de:<id>` to the job id with SET NX (atomic against every other enqueuer)
// and, when it is already set, stores nothing and returns the holder's id. Its modes match
// tasklane's scopes:
// - "active": simple mode, no expiry; BullMQ deletes the key when the job completes or fails for
//   good (a retry keeps it).
// - "ready": the same, and the worker deletes it as the task starts (runner, before the attempt).
// - "period": throttle mode, the key expires at the hold's end (BullMQ keeps a key with time left
//   when the job ends).
// A cancel gives an "active" or "ready" key up (raw.ts cancelReadyJob); a prune leaves a finished
// job whose period hold has time left (raw.ts heldForPeriod), as SQLite leaves the row that holds it.
// BullMQ keeps deduplication keys per queue: the same task and key enqueued on two queues are two
// holds on Redis (one on SQLite).

/**
 * The deduplication id of a task's key: a digest (keys may be 500 characters), short enough for
 * the job's options to stay in Redis's compact hash encoding (≤ 64 bytes, see queue.ts).
 */
export function deduplicationId(taskName: string, key: string): string {
  return createHash("sha256").update(taskName).update("\u0000").update(key).digest("base64url").slice(0, 16);
}

/** BullMQ's deduplication options for a hold made at `now` (ms). */
export function deduplicationOf(taskName: string, hold: UniqueHold, now: number): { id: string; ttl?: number } {
  const id = deduplicationId(taskName, hold.key);
  if (hold.scope !== "period" || hold.until === null) return { id };
  return { id, ttl: Math.max(1, hold.until - now) };
}
