import { appendFileSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqliteBackend } from "../../../src/backends/sqlite/backend.js";
import { WalWatcher } from "../../../src/backends/sqlite/wake.js";
import type { WorkerStore } from "../../../src/contract/worker-store.js";
import { ALL, FIXTURES, openBackend, openStore, ROOT, record, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
let dbPath: string;
let backend: SqliteBackend;
let worker: WorkerStore;
const never = new AbortController().signal;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  dbPath = join(dir, "tasks.sqlite3");
  backend = openBackend(dbPath);
  worker = backend.workerStore();
});

afterEach(async () => {
  await backend.close();
  cleanup();
});

/** The worker loop's idle path: claim; if nothing, wait for a change; repeat. */
async function claimWhenReady(timeoutMs: number) {
  let wakes = 0;
  for (;;) {
    const { claimed } = await worker.claim("w", ALL, 1);
    if (claimed.length > 0) return { claimed, wakes, at: Date.now() };
    await worker.waitForChange(timeoutMs, never);
    wakes++;
  }
}

/** inotify watches this process holds (Linux: each inotify fd's fdinfo lists one "inotify wd:" line per watch). */
function inotifyWatches(): number {
  let watches = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed since the listing (readdir's own fd)
    }
    if (target !== "anon_inode:inotify") continue;
    watches += readFileSync(`/proc/self/fdinfo/${fd}`, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("inotify wd:")).length;
  }
  return watches;
}

describe("waitForChange", () => {
  it("wakes an idle worker when another process enqueues", async () => {
    expect((await worker.claim("w", ALL, 1)).claimed).toEqual([]);
    const child = execa("node", ["--import", "tsx", join(FIXTURES, "insert.ts"), dbPath, "default"], { cwd: ROOT });
    const started = Date.now();
    const { claimed, wakes, at } = await claimWhenReady(30_000);
    const { id, committedAt } = JSON.parse((await child).stdout) as { id: string; committedAt: number };
    expect(claimed[0]!.id).toBe(id);
    const latency = at - committedAt;
    console.log(
      `commit in another process → claimed here: ${latency} ms (${wakes} wake(s), child took ${at - started} ms)`,
    );
    expect(latency).toBeLessThan(1000); // typically 1–5 ms; the timeout (30 s) never fired
  });

  it("wakes on a commit by another connection in this process, also after a WAL truncation", async () => {
    const other = openStore(dbPath);
    try {
      expect((await worker.claim("w", ALL, 1)).claimed).toEqual([]);
      setImmediate(() => other.insert([record()]));
      const first = await claimWhenReady(30_000);
      expect(first.claimed).toHaveLength(1);

      other.db.pragma("wal_checkpoint(TRUNCATE)");
      setImmediate(() => other.insert([record()]));
      const t0 = Date.now();
      const second = await claimWhenReady(30_000);
      expect(second.claimed).toHaveLength(1);
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      other.close();
    }
  });

  it("wakes on this process's own enqueue", async () => {
    expect((await worker.claim("w", ALL, 1)).claimed).toEqual([]);
    const waiting = worker.waitForChange(30_000, never);
    backend.store.insert([record()]);
    const t0 = Date.now();
    await waiting;
    expect(Date.now() - t0).toBeLessThan(100);
  });

  it("returns at once when a commit landed between the claim and the wait", async () => {
    const other = openStore(dbPath);
    try {
      expect((await worker.claim("w", ALL, 1)).claimed).toEqual([]);
      other.insert([record()]);
      const t0 = Date.now();
      await worker.waitForChange(30_000, never);
      expect(Date.now() - t0).toBeLessThan(100);
    } finally {
      other.close();
    }
  });

  it.runIf(process.platform === "linux")(
    "stops watching while claims fill every slot; the wait after an unwatched claim re-arms first, so no commit goes unseen",
    async () => {
      const other = openStore(dbPath);
      try {
        const before = inotifyWatches();
        expect((await worker.claim("w", ALL, 1)).claimed).toEqual([]);
        expect(inotifyWatches()).toBe(before + 1); // idle: watching the WAL

        other.insert([record(), record()]);
        expect((await worker.claim("w", ALL, 1)).claimed).toHaveLength(1);
        expect(inotifyWatches()).toBe(before); // every slot filled: the next step is a claim, not a wait
        expect((await worker.claim("w", ALL, 1)).claimed).toHaveLength(1);
        expect((await worker.claim("w", ALL, 1)).claimed).toEqual([]); // claimed unwatched
        expect(inotifyWatches()).toBe(before);

        other.insert([record()]); // lands after the unwatched claim, before the wait
        let t0 = Date.now();
        await worker.waitForChange(30_000, never);
        expect(Date.now() - t0).toBeLessThan(100);
        expect(inotifyWatches()).toBe(before + 1);
        expect((await worker.claim("w", ALL, 1)).claimed).toHaveLength(1);

        // Watched again from the next claim on: a later commit wakes the wait.
        expect((await worker.claim("w", ALL, 1)).claimed).toEqual([]);
        setTimeout(() => other.insert([record()]), 50);
        t0 = Date.now();
        const { claimed } = await claimWhenReady(30_000);
        expect(claimed).toHaveLength(1);
        expect(Date.now() - t0).toBeLessThan(1000);
      } finally {
        other.close();
      }
    },
  );

  it("after an unwatched claim, waits when nothing changed since (no claim again), but not while another connection writes", async () => {
    const other = openStore(dbPath);
    /** An unwatched empty claim, as a worker makes it after a claim that filled its only slot. */
    const unwatchedEmptyClaim = async () => {
      other.insert([record()]);
      expect((await worker.claim("w", ALL, 1)).claimed).toHaveLength(1); // every slot filled: unwatched next
      // One turn of the loop: that claim's own WAL event (the watcher was armed for it, then
      // closed) is read and dropped, so only what this test does next can end the wait.
      await new Promise((resolve) => setImmediate(resolve));
      expect((await worker.claim("w", ALL, 1)).claimed).toEqual([]);
    };
    try {
      await unwatchedEmptyClaim();
      // Nothing committed since that claim: the wait waits, until a commit wakes it.
      let woken = false;
      const waiting = worker.waitForChange(30_000, never).then(() => {
        woken = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(woken).toBe(false);
      other.insert([record()]);
      const t0 = Date.now();
      await waiting;
      expect(Date.now() - t0).toBeLessThan(1000);
      expect((await worker.claim("w", ALL, 1)).claimed).toHaveLength(1);

      // Another connection holds the write lock (a commit may be half-way, its frames written
      // before the watcher was armed): the wait returns at once, so the caller claims again.
      await unwatchedEmptyClaim();
      other.db.exec("BEGIN IMMEDIATE");
      const t1 = Date.now();
      try {
        await worker.waitForChange(5_000, never);
      } finally {
        other.db.exec("ROLLBACK");
      }
      expect(Date.now() - t1).toBeLessThan(100);
    } finally {
      other.close();
    }
  });

  it("resolves by timeout when nothing changes, and at once when aborted", async () => {
    expect((await worker.claim("w", ALL, 1)).claimed).toEqual([]);
    let t0 = Date.now();
    await worker.waitForChange(150, never);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

    const controller = new AbortController();
    t0 = Date.now();
    const waiting = worker.waitForChange(30_000, controller.signal);
    controller.abort();
    await waiting;
    await worker.waitForChange(30_000, controller.signal); // already aborted
    expect(Date.now() - t0).toBeLessThan(100);
  });

  it("close() releases a pending wait", async () => {
    await worker.claim("w", ALL, 1);
    const waiting = worker.waitForChange(30_000, never);
    const t0 = Date.now();
    await backend.close();
    await waiting;
    expect(Date.now() - t0).toBeLessThan(100);
  });
});

describe("WalWatcher", () => {
  it("follows the WAL file being created, deleted and re-created", async () => {
    const path = join(dir, "plain.db");
    const wal = `${path}-wal`;
    const watcher = new WalWatcher(path);
    try {
      watcher.arm();
      expect(watcher.watchingWal).toBe(false);
      let waiting = watcher.wait(30_000);
      writeFileSync(wal, "a");
      await waiting;
      await waitUntil(() => watcher.watchingWal);

      waiting = watcher.wait(30_000);
      appendFileSync(wal, "b");
      await waiting;

      waiting = watcher.wait(30_000);
      rmSync(wal);
      await waiting;
      await waitUntil(() => !watcher.watchingWal);

      waiting = watcher.wait(30_000);
      writeFileSync(wal, "c");
      await waiting;
      await waitUntil(() => watcher.watchingWal);

      const before = watcher.events;
      waiting = watcher.wait(30_000);
      appendFileSync(wal, "d");
      await waiting;
      expect(watcher.events).toBeGreaterThan(before);
    } finally {
      watcher.close();
    }
  });
});

/** Awaits watcher events (no fixed sleeps) until `condition` holds. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}
