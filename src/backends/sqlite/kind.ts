import { z } from "zod";
import type { BackendKind } from "../../contract/kind.js";
import { SQLITE_DEFAULTS } from "../../core/defaults.js";

const positiveMs = z.number().int().positive();

/** The sqlite kind, known without loading better-sqlite3 (the config imports backend.ts lazily). */
export const sqliteKind: BackendKind = {
  capabilities: { supportsDefer: true, supportsAsyncTask: true, supportsGetResult: true, supportsPriority: true },
  runsWorker: true,
  options: z.strictObject({
    path: z.string().min(1).default(SQLITE_DEFAULTS.path),
    leaseMs: positiveMs.default(SQLITE_DEFAULTS.leaseMs),
    heartbeatMs: positiveMs.default(SQLITE_DEFAULTS.heartbeatMs),
    busyTimeoutMs: z.number().int().nonnegative().default(SQLITE_DEFAULTS.busyTimeoutMs),
  }),
  pathKeys: ["path"],
  secretKeys: [],
  controls: { pause: true, queueConcurrency: true, rateLimit: true, keyConcurrency: true },
};
