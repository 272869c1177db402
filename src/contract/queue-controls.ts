/**
 * Queue controls: limits a backend config sets per queue, and what the operator switches at run
 * time (pause). A backend says which it can enforce (BackendKind.controls); the config refuses
 * a limit its backend cannot hold, with a clear error.
 */
export interface QueueLimits {
  /** Never more than this many tasks of the queue RUNNING at once, across every worker and host. */
  concurrency?: number;
  /** At most `limit` task starts per `periodMs`, across every worker and host. */
  rate?: { limit: number; periodMs: number };
}

/** What a backend kind can enforce. */
export interface QueueControlSupport {
  /** `tasks pause` / `tasks resume`. */
  pause: boolean;
  /** limits.<queue>.concurrency */
  queueConcurrency: boolean;
  /** limits.<queue>.rate */
  rateLimit: boolean;
  /** The task option `concurrency: { key, limit }`. */
  keyConcurrency: boolean;
}

/** A queue's stored state, for `tasks results`, `info` and `watch`. */
export interface QueueState {
  queueName: string;
  paused: boolean;
  /** When it was paused (null when it is not). */
  pausedAt: Date | null;
}
