import type { Shape } from "../core/shape.js";
import type { BackendCapabilities } from "./backend.js";
import type { QueueControlSupport } from "./queue-controls.js";

/**
 * A built-in backend kind, as the config sees it before loading any of its code: what it can
 * do, its options, which of them are paths or secrets. Each backend declares its own in a light
 * module next to its code (the config imports the heavy implementation lazily, so `tasks --help`
 * never loads better-sqlite3 or bullmq), and its class reads its capabilities from it.
 */
export interface BackendKind {
  capabilities: BackendCapabilities;
  /** Whether `tasks worker` can run this kind (it stores tasks for other processes). */
  runsWorker: boolean;
  /** Validates and completes the options (defaults filled in). */
  options: Shape<Record<string, unknown>>;
  /** Options holding file paths, resolved against the config file's folder. */
  pathKeys: string[];
  /** Options whose values are redacted by `tasks info`. */
  secretKeys: string[];
  /** Which queue controls it enforces (absent: none). */
  controls?: QueueControlSupport;
  /** Why a queue name cannot be used with this kind, or null (Redis keys cannot hold ":"). */
  queueNameProblem?(name: string): string | null;
  /**
   * Where a backend with these options (paths resolved) keeps its data. Aliases with the same
   * answer share one store: a worker of either syncs the schedules of both (each sync drops the
   * stored schedules it was not given). Absent: each alias is a store of its own.
   */
  storeOf?(options: Record<string, unknown>): string;
}
