import { DummyBackend, dummyKind } from "../backends/dummy.js";
import { ImmediateBackend, immediateKind } from "../backends/immediate.js";
import { redisKind } from "../backends/redis/kind.js";
import { sqliteKind } from "../backends/sqlite/kind.js";
import type { Backend, BackendInit } from "../contract/backend.js";
import type { BackendKind } from "../contract/kind.js";

/** A built-in kind and how to make one; sqlite and redis load their code only when made. */
export interface KindEntry extends BackendKind {
  create(init: BackendInit): Promise<Backend>;
}

export const BUILTIN_KINDS: Record<string, KindEntry> = {
  dummy: { ...dummyKind, create: async (init) => new DummyBackend(init) },
  immediate: { ...immediateKind, create: async (init) => new ImmediateBackend(init) },
  sqlite: {
    ...sqliteKind,
    create: async (init) => new (await import("../backends/sqlite/backend.js")).SqliteBackend(init),
  },
  redis: {
    ...redisKind,
    // Connects (with a PING) at once, so `tasks check` reports an unreachable Redis.
    create: async (init) => (await import("../backends/redis/backend.js")).RedisBackend.open(init),
  },
};
