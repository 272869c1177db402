import { z } from "zod";
import type { BackendKind } from "../../contract/kind.js";
import { REDIS_DEFAULTS } from "../../core/defaults.js";

const positiveMs = z.number().int().positive();

/** The redis kind, known without loading bullmq or ioredis (the config imports backend.ts lazily). */
export const redisKind: BackendKind = {
  capabilities: { supportsDefer: true, supportsAsyncTask: true, supportsGetResult: true, supportsPriority: true },
  runsWorker: true,
  options: z.strictObject({
    url: z
      .string()
      .default(REDIS_DEFAULTS.url)
      .refine((url) => /^rediss?:\/\//i.test(url) && URL.canParse(url), {
        message: "expected a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)",
      }),
    prefix: z.string().min(1).default(REDIS_DEFAULTS.prefix),
    /** Extra ioredis options (tls, username, password, db, …), merged over the URL's. */
    connection: z.record(z.string(), z.unknown()).optional(),
    connectTimeoutMs: positiveMs.default(REDIS_DEFAULTS.connectTimeoutMs),
    heartbeatMs: positiveMs.default(REDIS_DEFAULTS.heartbeatMs),
    lockDurationMs: positiveMs.default(REDIS_DEFAULTS.lockDurationMs),
    stalledIntervalMs: positiveMs.default(REDIS_DEFAULTS.stalledIntervalMs),
  }),
  pathKeys: [],
  secretKeys: ["connection"],
  // Pause, queue concurrency and rate are BullMQ's own (its queue meta, checked by the script that
  // hands jobs to workers, so they hold across every worker and host). BullMQ's open-source
  // edition has no groups, so per-key concurrency is refused at config load.
  controls: { pause: true, queueConcurrency: true, rateLimit: true, keyConcurrency: false },
  // BullMQ builds a queue's keys as `<prefix>:<queue>:…` and refuses a name with ":" at the
  // first enqueue; said here, the config fails at load instead.
  queueNameProblem: (name) =>
    name.includes(":")
      ? 'contains ":", which the redis backend cannot use in a queue name (BullMQ separates its Redis keys with it); use another character, such as "-" or "."'
      : null,
};
