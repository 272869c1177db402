import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CheckpointNudges, checkpointOnNudge } from "../../../src/backends/sqlite/checkpoints.js";
import type { SqliteStore } from "../../../src/backends/sqlite/store.js";
import { openStore, record, tempDir, walState } from "./helpers.js";

/** Resolves once `check()` holds, checking at every turn of the event loop; fails after `ms`. */
async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let temp: ReturnType<typeof tempDir>;
let path: string;
/** The worker's connection: it never checkpoints by itself here, so any copying is the thread's. */
let worker: SqliteStore;
/** The heartbeat thread's connection (in this process: the loop is plain async code). */
let thread: SqliteStore;

beforeEach(() => {
  temp = tempDir();
  path = join(temp.dir, "tasks.sqlite3");
  worker = openStore(path);
  worker.db.pragma("wal_autocheckpoint = 0");
  thread = openStore(path);
});
afterEach(() => {
  thread.close();
  worker.close();
  temp.cleanup();
});

const write = (n: number) => worker.insert(Array.from({ length: n }, (_, i) => record({ args: [i] })));

describe("checkpoints ahead of the worker's own", () => {
  it("a nudge copies the WAL back into the database, without the worker's connection doing it", async () => {
    const nudges = new CheckpointNudges();
    const stop = checkpointOnNudge(thread.db, nudges.buffer);
    write(500);
    const before = walState(path);
    expect(before.frames).toBeGreaterThan(0);
    expect(before.backfilled).toBe(0);
    nudges.wrote(500);
    await until(() => walState(path).backfilled === walState(path).frames);
    // The thread only copies: the WAL is still there for the worker's next commit to start over.
    expect(walState(path).frames).toBe(before.frames);
    stop();
  });

  it("nudges once enough rows were written, and at most once per few ms", () => {
    const nudges = new CheckpointNudges();
    const count = new Int32Array(nudges.buffer);
    // A worker taking a task now and then: one checkpoint per many tasks, not one per task.
    for (let i = 0; i < 127; i++) nudges.wrote(1, 1000 + 20 * i);
    expect(count[0]).toBe(0);
    nudges.wrote(1, 4000);
    expect(count[0]).toBe(1);
    // A drain: many rows per write, but not more often than every few ms.
    nudges.wrote(200, 4001);
    nudges.wrote(200, 4003);
    expect(count[0]).toBe(1);
    nudges.wrote(200, 4010);
    expect(count[0]).toBe(2);
  });

  it("after stop(), nudges copy nothing", async () => {
    const nudges = new CheckpointNudges();
    const stop = checkpointOnNudge(thread.db, nudges.buffer);
    stop();
    write(200);
    nudges.wrote(500);
    // A copy would come through the event loop (Atomics.waitAsync): let a few turns pass.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(walState(path).backfilled).toBe(0);
    expect(walState(path).frames).toBeGreaterThan(0);
  });

  it("keeps copying at each later nudge", async () => {
    const nudges = new CheckpointNudges();
    const stop = checkpointOnNudge(thread.db, nudges.buffer);
    write(300);
    nudges.wrote(300, 1);
    await until(() => walState(path).backfilled === walState(path).frames);
    // Everything was copied, so the worker's next commit starts the WAL over: as usual.
    write(300);
    expect(walState(path).backfilled).toBeLessThan(walState(path).frames);
    nudges.wrote(300, 100);
    await until(() => walState(path).backfilled === walState(path).frames);
    stop();
  });
});
