import { DummyBackend, dummyKind } from "../backends/dummy.js";
import { ImmediateBackend, immediateKind } from "../backends/immediate.js";
import { redisKind } from "../backends/redis/kind.js";
import { sqliteFileOf, sqliteKind } from "../backends/sqlite/kind.js";
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

/** Whether a backend entry's kind is one of tasklane's own (a custom Backend class is not). */
export function isBuiltinKind(kind: string): boolean {
  return Object.hasOwn(BUILTIN_KINDS, kind);
}

/** The database file a backend keeps its data in: its SQLite file, or undefined for any other kind. */
export function storeFile(entry: { readonly store: string | null }): string | undefined {
  return sqliteFileOf(entry.store);
}
