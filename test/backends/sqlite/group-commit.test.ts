import { statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqliteBackend } from "../../../src/backends/sqlite/backend.js";
import type { EnqueueRequest } from "../../../src/contract/backend.js";
import { task } from "../../../src/core/task.js";
import { openBackend, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
let backend: SqliteBackend;
let dbPath: string;

const noop = task((_i: number) => null);

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  dbPath = join(dir, "tasks.sqlite3");
  backend = openBackend(dbPath);
  // WAL frames then count every page this connection commits (no checkpoint resets the file).
  backend.store.db.pragma("wal_autocheckpoint = 0");
});

afterEach(async () => {
  await backend.close();
  cleanup();
});

/** Pages committed to the WAL so far. */
function frames(): number {
  const pageSize = backend.store.db.pragma("page_size", { simple: true }) as number;
  try {
    return (statSync(`${dbPath}-wal`).size - 32) / (pageSize + 24);
  } catch {
    return 0;
  }
}

const request = (i: number, fields: Partial<EnqueueRequest> = {}): EnqueueRequest => ({
  taskName: "noop",
  args: [i],
  queueName: "default",
  priority: 0,
  runAfter: null,
  maxAttempts: 1,
  ...fields,
});

const storedArgs = () =>
  backend.store.db.prepare("SELECT args FROM tasklane_results ORDER BY seq").pluck().all() as string[];

describe("group commit of concurrent single enqueues", () => {
  it("100 enqueues of one Promise.all share a transaction, each with its own result, stored in call order", async () => {
    await backend.enqueueMany(noop, [request(-1)]); // the file exists: what follows is only the inserts
    const before = frames();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => backend.enqueueMany(noop, [request(i)])));
    const written = frames() - before;
    // Alone, each enqueue commits its own ~6 pages (≥ 500 frames for 100); together a few dozen.
    expect(written).toBeLessThan(100);
    expect(new Set(results.map(([r]) => r!.id)).size).toBe(100);
    expect(results.map(([r]) => r!.args)).toEqual(Array.from({ length: 100 }, (_, i) => [i]));
    expect(storedArgs()).toEqual(["[-1]", ...Array.from({ length: 100 }, (_, i) => `[${i}]`)]);
  });

  it("enqueues from separate callbacks of one turn of the event loop (requests of a busy server) share it too", async () => {
    await backend.enqueueMany(noop, [request(-1)]);
    const before = frames();
    const results = await new Promise<string[]>((resolve, reject) => {
      const ids: string[] = [];
      for (let i = 0; i < 50; i++) {
        setImmediate(() => {
          backend.enqueueMany(noop, [request(i)]).then(([r]) => {
            ids.push(r!.id);
            if (ids.length === 50) resolve(ids);
          }, reject);
        });
      }
    });
    expect(frames() - before).toBeLessThan(50);
    expect(new Set(results).size).toBe(50);
  });

  it("one bad task never fails its neighbours: each caller gets its own result or its own error", async () => {
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        // priority 500 passes no task's validation; given to the backend directly it breaks the table's CHECK
        backend.enqueueMany(noop, [request(i, i === 4 ? { priority: 500 } : {})]),
      ),
    );
    expect(settled.map((s) => s.status)).toEqual(settled.map((_, i) => (i === 4 ? "rejected" : "fulfilled")));
    expect(String((settled[4] as PromiseRejectedResult).reason)).toMatch(/CHECK constraint failed/);
    expect(storedArgs()).toEqual(["[0]", "[1]", "[2]", "[3]", "[5]", "[6]", "[7]", "[8]", "[9]"]);
  });

  it("a caller awaiting one enqueue after another gets each result in turn", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const [r] = await backend.enqueueMany(noop, [request(i)]);
      ids.push(r!.id);
      expect((await backend.getResultData(r!.id)).args).toEqual([i]);
    }
    expect(new Set(ids).size).toBe(50);
  });

  describe("while another connection holds the write lock", () => {
    /** Lets `n` turns of the event loop go by (a group retries the lock at each one). */
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
    };

    it("groups wait without freezing the event loop, then are stored in call order", async () => {
      await backend.enqueueMany(noop, [request(-1)]); // the file exists
      const holder = new Database(dbPath);
      holder.prepare("BEGIN IMMEDIATE").run();
      let settled = 0;
      const first = Promise.all([0, 1, 2].map((i) => backend.enqueueMany(noop, [request(i)])));
      await turns(3); // the first group has tried and is waiting; the next joins the queue
      const second = Promise.all([3, 4, 5].map((i) => backend.enqueueMany(noop, [request(i)])));
      void Promise.all([first, second]).then(() => settled++);
      // SQLite's busy handler would sleep this thread; these turns (and this holder's COMMIT
      // below, in the same thread) could not run until it gave up.
      await turns(50);
      expect(settled).toBe(0);
      holder.prepare("COMMIT").run();
      holder.close();
      const ids = [...(await first), ...(await second)].map(([r]) => r!.id);
      expect(new Set(ids).size).toBe(6);
      expect(storedArgs()).toEqual(["[-1]", "[0]", "[1]", "[2]", "[3]", "[4]", "[5]"]);
    });

    it("a lock held past busyTimeoutMs fails each caller with SQLITE_BUSY and stores nothing", async () => {
      const short = openBackend(join(dir, "short.sqlite3"), "default", { busyTimeoutMs: 200 });
      try {
        await short.enqueueMany(noop, [request(-1)]);
        const holder = new Database(short.path);
        holder.prepare("BEGIN IMMEDIATE").run();
        const settled = await Promise.allSettled([0, 1].map((i) => short.enqueueMany(noop, [request(i)])));
        holder.prepare("ROLLBACK").run();
        holder.close();
        expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
        for (const s of settled) expect((s as PromiseRejectedResult).reason).toMatchObject({ code: "SQLITE_BUSY" });
        // Named like every other storage failure: the file, what happened, what to do.
        for (const s of settled) {
          const { name, message } = (s as PromiseRejectedResult).reason as Error;
          expect(name).toBe("StorageError");
          expect(message).toContain(`database ${short.path} is locked: another process held its write lock`);
          expect(message).toContain("(database is locked)");
          expect(message).toContain("raise the sqlite backend's busyTimeoutMs option");
        }
        expect(short.store.db.prepare("SELECT count(*) FROM tasklane_results").pluck().get()).toBe(1);
      } finally {
        await short.close();
      }
    });
  });
});
