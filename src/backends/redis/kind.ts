import type { BackendKind } from "../../contract/kind.js";
import { REDIS_DEFAULTS } from "../../core/defaults.js";
import { integer, object, optional, record, string, unknown, withDefault } from "../../core/shape.js";
import { urlDatabaseProblem } from "./database.js";

const positiveMs = integer({ min: 1 });

/** The redis kind, known without loading bullmq or ioredis (the config imports backend.ts lazily). */
export const redisKind: BackendKind = {
  capabilities: { supportsDefer: true, supportsAsyncTask: true, supportsGetResult: true, supportsPriority: true },
  runsWorker: true,
  options: object({
    url: withDefault(
      string({
        rule: (url) =>
          /^rediss?:\/\//i.test(url) && URL.canParse(url)
            ? urlDatabaseProblem(url)
            : "expected a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)",
      }),
      REDIS_DEFAULTS.url,
    ),
    prefix: withDefault(string({ nonEmpty: true }), REDIS_DEFAULTS.prefix),
    /** Extra ioredis options (tls, username, password, db, …), merged over the URL's. */
    connection: optional(record(unknown())),
    connectTimeoutMs: withDefault(positiveMs, REDIS_DEFAULTS.connectTimeoutMs),
    heartbeatMs: withDefault(positiveMs, REDIS_DEFAULTS.heartbeatMs),
    lockDurationMs: withDefault(positiveMs, REDIS_DEFAULTS.lockDurationMs),
    stalledIntervalMs: withDefault(positiveMs, REDIS_DEFAULTS.stalledIntervalMs),
  }),
  pathKeys: [],
  secretKeys: ["connection"],
  // Pause, queue concurrency and rate are BullMQ's own (its queue meta, checked by the script that
  // hands jobs to workers, so they hold across every worker and host). BullMQ's open-source
  // edition has no groups, so per-key concurrency is refused at config load.
  controls: { pause: true, queueConcurrency: true, rateLimit: true, keyConcurrency: false },
  // One server, database and key prefix: ioredis's own connection options win over the URL's.
  storeOf: (options) => {
    const url = new URL(String(options.url));
    const own = (options.connection ?? {}) as { host?: unknown; port?: unknown; db?: unknown };
    const host = own.host ?? url.hostname;
    const port = own.port ?? (url.port || 6379);
    const db = own.db ?? (url.pathname.slice(1) || 0);
    return `redis://${String(host)}:${String(port)}/${String(db)} ${String(options.prefix)}`;
  },
  // BullMQ builds a queue's keys as `<prefix>:<queue>:…` and refuses a name with ":" at the
  // first enqueue; said here, the config fails at load instead.
  queueNameProblem: (name) =>
    name.includes(":")
      ? 'contains ":", which the redis backend cannot use in a queue name (BullMQ separates its Redis keys with it); use another character, such as "-" or "."'
      : null,
};
