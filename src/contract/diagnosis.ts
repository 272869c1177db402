import type { TaskResultData } from "../core/result.js";
import type { QueueLimits } from "./queue-controls.js";
import type { WorkerInfo } from "./workers.js";

/**
 * The facts behind `tasks why ID`, read in one go from the backend: the result, its queue's
 * state and limits, what else holds the slots it needs, and the workers. The CLI turns these
 * into reasons; a backend only reports what it stores.
 */
export interface Diagnosis {
  result: TaskResultData;
  queue: {
    name: string;
    paused: boolean;
    pausedAt: Date | null;
    /** RUNNING tasks of the queue, with who holds them (ids and worker ids, at most a few). */
    running: number;
    runningHolders: { id: string; workerId: string | null }[];
    limits: QueueLimits | null;
    /** Starts counted in the current rate window, and when the window ends. */
    rateUsed: number | null;
    rateWindowEndsAt: Date | null;
    /** READY tasks of the queue that are due and come before this one in claim order. */
    dueAhead: number;
  };
  /** The result's per-key concurrency limit, when it has one. */
  key: { key: string; limit: number; runningIds: string[] } | null;
  /** The result's unique key and the result holding it (itself or another). */
  unique: { key: string; holderId: string | null } | null;
  workers: WorkerInfo[];
  /** When the holder's lease on a RUNNING result runs out (null when not running or unknown). */
  leaseExpiresAt: Date | null;
}
