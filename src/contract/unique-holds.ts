import type { EnqueueRequest } from "../core/environment.js";
import type { TaskResultData } from "../core/result.js";
import type { UniqueHold } from "../core/task-controls.js";

/**
 * Whether a result still holds its unique key: "ready" while it waits for its first run,
 * "active" while it waits or runs (a retry keeps it), "period" until the hold's end whatever
 * its status. The same rule the SQLite store keeps in its unique_hold column.
 */
export function stillHeld(hold: UniqueHold, record: TaskResultData, now: number): boolean {
  if (hold.scope === "period") return hold.until !== null && now < hold.until;
  if (hold.scope === "ready") return record.status === "READY" && record.workerIds.length === 0;
  return record.status === "READY" || record.status === "RUNNING";
}

/**
 * Unique keys for a backend that keeps its results in this process's memory (dummy, immediate,
 * a custom in-memory backend): an enqueue whose key a stored result still holds returns that
 * result, marked `deduplicated`, instead of storing a second. Keys are per task name. Enqueues
 * here are synchronous, so no other call can come between the check and the store.
 */
export class MemoryUniqueHolds {
  readonly #holds = new Map<string, { id: string; hold: UniqueHold }>();

  /**
   * For each request, in order: `store(request)`'s new record, or a copy of the result holding
   * its key (`deduplicated: true`, read through `find`). A later request of the same batch can
   * be held by an earlier one.
   */
  enqueue(
    requests: readonly EnqueueRequest[],
    store: (request: EnqueueRequest) => TaskResultData,
    find: (id: string) => TaskResultData | undefined,
    now: number = Date.now(),
  ): TaskResultData[] {
    return requests.map((request) => {
      const hold = request.unique;
      if (!hold) return store(request);
      const key = `${request.taskName}\u0000${hold.key}`;
      const held = this.#holds.get(key);
      const holder = held ? find(held.id) : undefined;
      if (held && holder && stillHeld(held.hold, holder, now))
        return { ...structuredClone(holder), deduplicated: true };
      const record = store(request);
      this.#holds.set(key, { id: record.id, hold });
      return record;
    });
  }

  /** Forgets every hold (the backend forgot its results). */
  clear(): void {
    this.#holds.clear();
  }
}
