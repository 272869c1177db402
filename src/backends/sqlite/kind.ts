import type { BackendKind } from "../../contract/kind.js";
import { SQLITE_DEFAULTS } from "../../core/defaults.js";
import { integer, object, string, withDefault } from "../../core/shape.js";

const positiveMs = integer({ min: 1 });

/** The sqlite kind, known without loading better-sqlite3 (the config imports backend.ts lazily). */
export const sqliteKind: BackendKind = {
  capabilities: { supportsDefer: true, supportsAsyncTask: true, supportsGetResult: true, supportsPriority: true },
  runsWorker: true,
  options: object({
    path: withDefault(string({ nonEmpty: true }), SQLITE_DEFAULTS.path),
    leaseMs: withDefault(positiveMs, SQLITE_DEFAULTS.leaseMs),
    heartbeatMs: withDefault(positiveMs, SQLITE_DEFAULTS.heartbeatMs),
    busyTimeoutMs: withDefault(integer({ min: 0 }), SQLITE_DEFAULTS.busyTimeoutMs),
  }),
  pathKeys: ["path"],
  secretKeys: [],
  controls: { pause: true, queueConcurrency: true, rateLimit: true, keyConcurrency: true },
  storeOf: (options) => `sqlite:${String(options.path)}`,
};
