import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteManagement } from "../../../src/backends/sqlite/manage.js";
import { MIGRATIONS } from "../../../src/backends/sqlite/migrations.js";
import { LeaseRecovery } from "../../../src/backends/sqlite/recovery.js";
import { SCHEMA_VERSION } from "../../../src/backends/sqlite/schema.js";
import { ALL, countsAndTruth, indexNames, storesPerTest } from "./helpers.js";

const stores = storesPerTest();

const ROWS = 100_000;
const T0 = Date.UTC(2026, 0, 1);
const STATUSES = ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "CANCELLED", "READY", "RUNNING"] as const;

/** A file as tasklane's schema v2 left it: 100k rows over 3 queues and every status, RUNNING ones with leases. */
function v2File(path: string): void {
  const raw = new Database(path);
  raw.pragma("journal_mode = WAL");
  raw.exec(MIGRATIONS[0]!);
  raw.exec(MIGRATIONS[1]!);
  raw.pragma("user_version = 2");
  const insert = raw.prepare(`INSERT INTO tasklane_results
    (id, task_name, status, queue_name, priority, due_at, enqueued_at, finished_at, worker_id, lease_expires_at, errors)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  raw.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const status = STATUSES[i % STATUSES.length]!;
      const finished = status === "READY" || status === "RUNNING" ? null : T0 + i;
      const running = status === "RUNNING";
      insert.run(
        `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`,
        `t${i % 5}`,
        status,
        `q${i % 3}`,
        i % 3,
        T0 + i,
        T0 + i,
        finished,
        running ? "old-worker" : null,
        running ? T0 + i : null,
        status === "FAILED" ? JSON.stringify([{ exceptionClass: "E", message: "m", traceback: "E: m" }]) : "[]",
      );
    }
  })();
  raw.close();
}

// (A newer file refused by an older tasklane is store.test.ts's "schema" case: the same check at any version.)
describe("schema v4 and v5", () => {
  it("migrates a 100k-row v2 file in place: indexes and triggers dropped, rows and counts intact, claims and recovery work and keep the counts", async () => {
    const path = stores.path("v2.sqlite3");
    v2File(path);
    const s = stores.open(path);
    expect(s.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(9);
    expect(indexNames(s)).not.toContain("tasklane_results_ready_all");
    expect(indexNames(s)).not.toContain("tasklane_results_running");
    expect(indexNames(s)).toContain("tasklane_results_active"); // v7: the READY index of v4 is in it
    expect(s.db.pragma("integrity_check", { simple: true })).toBe("ok");

    const m = new SqliteManagement(s);
    const expected: Record<string, number> = {};
    for (let i = 0; i < ROWS; i++) {
      const status = STATUSES[i % STATUSES.length]!;
      expected[status] = (expected[status] ?? 0) + 1;
    }
    expect(await m.countByStatus()).toEqual(expected);
    const page = await m.listResults({ statuses: ["FAILED"], limit: 5 });
    expect(page.results.map((r) => r.status)).toEqual(Array(5).fill("FAILED"));

    // `*` claims in claim order across the three queues: priority 2 (q2) first.
    const claimed = s.claim("new-worker", ALL, 3);
    expect(claimed.map((r) => [r.queueName, r.priority])).toEqual([
      ["q2", 2],
      ["q2", 2],
      ["q2", 2],
    ]);
    // The old worker's RUNNING rows, leases long expired, are found per queue and taken back.
    const recovery = new LeaseRecovery(s.db, s.statements, s.leaseMs);
    const recovered = recovery.recoverExpired(() => null, Date.now());
    expect(recovered).toHaveLength(expected.RUNNING!);
    expect(recovered.every((r) => r.status === "FAILED")).toBe(true);
    expect((await m.countByStatus()).RUNNING).toBe(3); // only the new worker's claims
    // v5: no triggers; the recovery above counted its FAILED rows itself, exactly.
    expect(s.db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'").pluck().get()).toBe(0);
    const { counts, truth } = countsAndTruth(s);
    expect(counts).toEqual(truth);
    expect((await m.countByStatus()).FAILED).toBe(expected.FAILED! + expected.RUNNING!);
  });
});
