import type { BackendKind } from "../../contract/kind.js";
import { SQLITE_DEFAULTS } from "../../core/defaults.js";
import { integer, object, string, withDefault } from "../../core/shape.js";

const positiveMs = integer({ min: 1 });

/** How a sqlite backend's store (BackendKind.storeOf) begins: "sqlite:" and the file's absolute path. */
const STORE = "sqlite:";

/** The database file a backend's store names, when it is a sqlite one. */
export const sqliteFileOf = (store: string | null): string | undefined =>
  store?.startsWith(STORE) ? store.slice(STORE.length) : undefined;

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
  storeOf: (options) => `${STORE}${String(options.path)}`,
};
