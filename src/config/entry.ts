import type { Backend, BackendCapabilities } from "../contract/backend.js";
import type { QueueControlSupport, QueueLimits } from "../contract/queue-controls.js";
import type { RetentionPolicy } from "./retention.js";

/** One configured backend: enough to validate tasks synchronously, and a lazy factory. */
export interface BackendEntry {
  alias: string;
  kind: string;
  queues: string[];
  options: Record<string, unknown>;
  capabilities: BackendCapabilities;
  /** Whether `tasks worker` can run this backend. */
  runsWorker: boolean;
  /** Whether its workers can run schedules (a ScheduleStore): every built-in kind with workers; a custom one may not. */
  runsSchedules: boolean;
  /** Option keys whose values `tasks info` must redact. */
  secretKeys: string[];
  /** Per-queue limits (checked against the kind's controls). */
  limits: Record<string, QueueLimits>;
  /** Which queue controls the backend enforces (absent: none). */
  controls: QueueControlSupport | undefined;
  /** How long finished results are kept before its workers delete them (null: until `tasks prune`). */
  retention: RetentionPolicy | null;
  /** Where it keeps its data (BackendKind.storeOf); null: a kind that does not say, shared with no other alias. */
  store: string | null;
  create(): Promise<Backend>;
}
