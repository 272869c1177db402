import { existsSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../../../src/backends/sqlite/schema.js";
import { FIXTURES, openStore, ROOT, record, tempDir } from "./helpers.js";

// Child processes load the TypeScript sources through tsx (about 0.3–0.5 s to start each).
const tsNode = (script: string, args: string[]) =>
  execa("node", ["--import", "tsx", join(FIXTURES, script), ...args], { cwd: ROOT });

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});

afterEach(() => cleanup());

describe("several processes", () => {
  it("open a brand new file at the same moment: all succeed, schema version ends at the current one", async () => {
    const path = join(dir, "fresh", "tasks.sqlite3");
    expect(existsSync(path)).toBe(false);
    const startAt = String(Date.now() + 1500);
    const children = await Promise.all([1, 2, 3].map(() => tsNode("open.ts", [path, startAt])));
    const version = String(SCHEMA_VERSION);
    expect(children.map((c) => c.stdout)).toEqual([version, version, version]);
    const s = openStore(path);
    expect(s.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    const tables = s.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual([
      "tasklane_counts",
      "tasklane_queues",
      "tasklane_results",
      "tasklane_schedules",
      "tasklane_workers",
    ]);
    s.close();
  });

  it("claim atomically: 3 processes claiming 300 tasks take each exactly once", async () => {
    const path = join(dir, "tasks.sqlite3");
    const s = openStore(path);
    const records = Array.from({ length: 300 }, (_, i) => record({ args: [i], priority: i % 3 }));
    s.insert(records);
    const startAt = String(Date.now() + 2500);
    const children = await Promise.all(["w1", "w2", "w3"].map((w) => tsNode("claimer.ts", [path, w, startAt])));
    const perWorker = children.map((c) => JSON.parse(c.stdout) as string[]);
    const claimed = perWorker.flat();
    expect(claimed).toHaveLength(300);
    expect(new Set(claimed).size).toBe(300);
    expect(new Set(claimed)).toEqual(new Set(records.map((r) => r.id)));
    // Each record was completed by the worker that claimed it, and by no other.
    for (const [i, worker] of ["w1", "w2", "w3"].entries()) {
      for (const id of perWorker[i]!) {
        expect(s.get(id)).toMatchObject({ status: "SUCCEEDED", workerIds: [worker], returnValue: worker });
      }
    }
    console.log(`claims per process: ${perWorker.map((p) => p.length).join(", ")}`);
    // They really competed (each starts after a shared moment, 2.5 s after spawn).
    expect(perWorker.filter((p) => p.length > 0).length).toBeGreaterThanOrEqual(2);
    s.close();
  });
});
