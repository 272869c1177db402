import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type * as Heartbeats from "../../../src/backends/sqlite/heartbeats.js";
import type { SqliteStore } from "../../../src/backends/sqlite/store.js";
import { openStore, record, tempDir, walState } from "./helpers.js";

// The thread's script exists only in the build (a worker thread has no TypeScript loader), so
// this imports the built module, as `tasks worker` runs it.
const { startHeartbeatThread } = (await import(
  new URL("../../../dist/backends/sqlite/heartbeats.js", import.meta.url).href
)) as typeof Heartbeats;

/** Resolves once `check()` holds, checking every few ms; fails after `ms`. */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let temp: ReturnType<typeof tempDir>;
let store: SqliteStore;
beforeEach(() => {
  temp = tempDir();
  store = openStore(join(temp.dir, "tasks.sqlite3"));
  store.registerWorker({ id: "w", hostname: "h", pid: process.pid, queues: "*", startedAt: new Date(1000) }, 1000);
});
afterEach(() => {
  store.close();
  temp.cleanup();
});

const source = (path: string) => ({
  path,
  leaseMs: 60_000,
  heartbeatMs: 20,
  busyTimeoutMs: 1000,
  outages: new SharedArrayBuffer(1024),
  checkpoints: new SharedArrayBuffer(4),
});
const lastBeat = () =>
  store.db.prepare("SELECT last_heartbeat_at FROM tasklane_workers WHERE id = 'w'").pluck().get() as number;

describe("the heartbeat thread", () => {
  it("starts without making the worker wait, beats on its own connection, and stops", async () => {
    const thread = startHeartbeatThread(source(store.path), "w");
    // Handed back at once (no await): the worker claims while the thread starts.
    expect(thread?.alive).toBe(true);
    await until(() => lastBeat() > 1000);
    await thread?.stop();
    expect(thread?.alive).toBe(false);
  });

  it("copies the WAL back into the database when the worker nudges it, then stops", async () => {
    const nudges = source(store.path);
    const thread = startHeartbeatThread(nudges, "w");
    // The worker's own connection never checkpoints here: what gets copied, the thread copied.
    store.db.pragma("wal_autocheckpoint = 0");
    store.insert(Array.from({ length: 500 }, (_, i) => record({ args: [i] })));
    expect(walState(store.path).backfilled).toBe(0);
    const count = new Int32Array(nudges.checkpoints);
    // The worker's nudge (CheckpointNudges.wrote), repeated until the thread is up to hear it.
    await until(() => {
      Atomics.add(count, 0, 1);
      Atomics.notify(count, 0);
      const wal = walState(store.path);
      return wal.frames > 0 && wal.backfilled === wal.frames;
    });
    await thread?.stop();
    expect(thread?.alive).toBe(false);
  });

  it("reports a beat still waiting for another connection's lock after a whole lease, once taken", async () => {
    const thread = startHeartbeatThread({ ...source(store.path), leaseMs: 300, busyTimeoutMs: 100 }, "w");
    await until(() => lastBeat() > 1000);
    expect(thread?.takeErrors()).toEqual([]);
    store.db.exec("BEGIN IMMEDIATE"); // this connection holds the write lock now
    const reports: string[] = [];
    try {
      await until(() => reports.push(...(thread?.takeErrors() ?? [])) > 0);
    } finally {
      store.db.exec("COMMIT");
    }
    expect(reports[0]).toBe(
      "heartbeats have waited 300 ms for another process's write lock and keep waiting; the wait does not count against this worker's leases",
    );
    const beatBefore = lastBeat();
    await until(() => lastBeat() > beatBefore); // it kept waiting, and beat once the lock was free
    await thread?.stop();
  });

  it("is stopped cleanly while it is still starting", async () => {
    const thread = startHeartbeatThread(source(store.path), "w");
    await thread?.stop();
    expect(thread?.alive).toBe(false);
  });

  it("that cannot open its file turns not alive, so the worker beats on its own loop", async () => {
    // A folder where the database file should be: the thread's open fails, after the worker went on.
    const thread = startHeartbeatThread(source(temp.dir), "w");
    expect(thread?.alive).toBe(true);
    await until(() => thread?.alive === false);
    expect(lastBeat()).toBe(1000);
    await thread?.stop(); // nothing left to stop: answers at once
  });
});
