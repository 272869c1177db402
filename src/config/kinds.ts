import { z } from "zod";
import type { Backend, BackendCapabilities, BackendInit } from "../contract/backend.js";

/** A built-in backend kind: its capabilities (known without loading it), options and factory. */
export interface BackendKind {
  capabilities: BackendCapabilities;
  /** Whether `tasks worker` can run this kind (it stores tasks for other processes). */
  runsWorker: boolean;
  options: z.ZodType<Record<string, unknown>>;
  /** Options holding file paths, resolved against the config file's folder. */
  pathKeys: string[];
  /** Options whose values are redacted by `tasks info`. */
  secretKeys: string[];
  /** Imports the implementation lazily so `tasks --help` never loads better-sqlite3 or bullmq. */
  create(init: BackendInit): Promise<Backend>;
}

const positiveMs = z.number().int().positive();

export const BUILTIN_KINDS: Record<string, BackendKind> = {
  dummy: {
    capabilities: { supportsDefer: true, supportsAsyncTask: true, supportsGetResult: false, supportsPriority: true },
    runsWorker: false,
    options: z.strictObject({}),
    pathKeys: [],
    secretKeys: [],
    create: async (init) => new (await import("../backends/dummy.js")).DummyBackend(init),
  },
  immediate: {
    capabilities: { supportsDefer: false, supportsAsyncTask: true, supportsGetResult: false, supportsPriority: true },
    runsWorker: false,
    options: z.strictObject({}),
    pathKeys: [],
    secretKeys: [],
    create: async (init) => new (await import("../backends/immediate.js")).ImmediateBackend(init),
  },
  sqlite: {
    capabilities: { supportsDefer: true, supportsAsyncTask: true, supportsGetResult: true, supportsPriority: true },
    runsWorker: true,
    options: z.strictObject({
      path: z.string().min(1).default(".tasks/tasks.sqlite3"),
      leaseMs: positiveMs.optional(),
      heartbeatMs: positiveMs.optional(),
      busyTimeoutMs: z.number().int().nonnegative().optional(),
    }),
    pathKeys: ["path"],
    secretKeys: [],
    create: async (init) => new (await import("../backends/sqlite/backend.js")).SqliteBackend(init),
  },
  redis: {
    capabilities: { supportsDefer: true, supportsAsyncTask: true, supportsGetResult: true, supportsPriority: true },
    runsWorker: true,
    options: z.strictObject({
      url: z
        .string()
        .default("redis://127.0.0.1:6379")
        .refine((url) => /^rediss?:\/\//i.test(url) && URL.canParse(url), {
          message: "expected a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)",
        }),
      prefix: z.string().min(1).default("tasklane"),
      /** Extra ioredis options (tls, username, password, db, …), merged over the URL's. */
      connection: z.record(z.string(), z.unknown()).optional(),
      connectTimeoutMs: positiveMs.default(5000),
      heartbeatMs: positiveMs.optional(),
      lockDurationMs: positiveMs.optional(),
      stalledIntervalMs: positiveMs.optional(),
    }),
    pathKeys: [],
    secretKeys: ["connection"],
    // Connects (with a PING) at once, so `tasks check` reports an unreachable Redis.
    create: async (init) => (await import("../backends/redis/backend.js")).RedisBackend.open(init),
  },
};
