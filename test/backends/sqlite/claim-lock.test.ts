import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqliteBackend } from "../../../src/backends/sqlite/backend.js";
import { ALL, openBackend, record, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
let dbPath: string;
let backend: SqliteBackend;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  dbPath = join(dir, "tasks.sqlite3");
  backend = openBackend(dbPath);
});

afterEach(async () => {
  await backend.close();
  cleanup();
});

describe("while another connection holds the write lock", () => {
  it("a store's first write fails at once under withoutBusyWait instead of sleeping in SQLite's busy handler", () => {
    backend.store.insert([record({ args: [1] })]); // the store is open: what follows is its first withoutBusyWait
    const holder = new Database(dbPath);
    holder.prepare("BEGIN IMMEDIATE").run();
    try {
      const started = performance.now();
      // Until the fix, this first call slept the whole busy timeout (5 s) before failing.
      expect(() => backend.store.withoutBusyWait(() => backend.store.claim("w", ALL, 1))).toThrow(/database is locked/);
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      holder.prepare("ROLLBACK").run();
      holder.close();
    }
  });

  it("a worker's first claim naps at most briefly, then waits with the event loop running, and claims once the lock is free", async () => {
    const [stored] = backend.store.insert([record({ args: [1] })]);
    const worker = backend.workerStore();
    const holder = new Database(dbPath);
    holder.prepare("BEGIN IMMEDIATE").run();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    // An idle worker's claim (it filled no slots before): it naps first (when-unlocked.ts).
    const claiming = worker.claim("w", ALL, 1);
    // The holder lets go from a timer of this same event loop: a wait that kept the loop (a nap
    // without end, SQLite's busy handler) would never let it run, and the claim would fail
    // with SQLITE_BUSY after the busy timeout (5 s) instead.
    const ticksWhileHeld = await new Promise<number>((resolve) =>
      setTimeout(() => {
        holder.prepare("COMMIT").run();
        holder.close();
        resolve(ticks);
      }, 200),
    );
    const { claimed } = await claiming;
    clearInterval(ticker);
    expect(claimed.map((r) => [r.id, r.status])).toEqual([[stored?.id, "RUNNING"]]);
    // ~100–200 ticks of 1 ms went by while the lock was held; a loaded machine runs fewer.
    expect(ticksWhileHeld).toBeGreaterThan(10);
  });
});
