import type { Backend, BackendCapabilities } from "../contract/backend.js";

/** One configured backend: enough to validate tasks synchronously, and a lazy factory. */
export interface BackendEntry {
  alias: string;
  kind: string;
  queues: string[];
  options: Record<string, unknown>;
  capabilities: BackendCapabilities;
  /** Whether `tasks worker` can run this backend. */
  runsWorker: boolean;
  /** Option keys whose values `tasks info` must redact. */
  secretKeys: string[];
  create(): Promise<Backend>;
}
