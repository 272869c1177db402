import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteManagement } from "../../../src/backends/sqlite/manage.js";
import { MIGRATIONS } from "../../../src/backends/sqlite/migrations.js";
import { LeaseRecovery } from "../../../src/backends/sqlite/recovery.js";
import type { AttemptOutcome } from "../../../src/contract/worker-store.js";
import { ALL, countsAndTruth, expectMigrated, fillCounts, only, record, storesPerTest } from "./helpers.js";

const stores = storesPerTest();

const ROWS = 100_000;
const NOW = Date.now();
const STATUSES = ["SUCCEEDED", "SUCCEEDED", "FAILED", "READY", "READY", "RUNNING", "CANCELLED"] as const;
const QUEUES = ["q0", "q1", "q2"];

/**
 * A file as tasklane's schema v6 left it: 100k rows over 3 queues and every status, READY rows
 * over five priorities and due times (some in the future), RUNNING rows held by two workers whose
 * leases are still valid ("live") or long expired ("gone"), the counts exact.
 */
function v6File(path: string): void {
  const raw = new Database(path);
  raw.pragma("journal_mode = WAL");
  for (let v = 0; v < 6; v++) raw.exec(MIGRATIONS[v]!);
  raw.pragma("user_version = 6");
  const insert = raw.prepare(`INSERT INTO tasklane_results (id, task_name, status, queue_name, priority, due_at,
    enqueued_at, started_at, finished_at, attempts, worker_id, worker_ids, lease_expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  raw.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const status = STATUSES[i % STATUSES.length]!;
      const enqueued = NOW - 10 * 86_400_000 + i * 5_000;
      const finished = status === "READY" || status === "RUNNING" ? null : enqueued + 50;
      const running = status === "RUNNING";
      const worker = i % 2 === 0 ? "live" : "gone";
      insert.run(
        `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`,
        `t${i % 5}`,
        status,
        QUEUES[i % 3],
        (i % 5) - 2,
        i % 11 === 0 ? NOW + 3_600_000 : enqueued, // a few deferred an hour
        enqueued,
        running || finished ? enqueued + 10 : null,
        finished,
        running || finished ? 1 : 0,
        running ? worker : null,
        running ? `["${worker}"]` : "[]",
        running ? (worker === "live" ? NOW + 600_000 : NOW - 600_000) : null,
      );
    }
    fillCounts(raw);
  })();
  raw.close();
}

describe("schema v7", () => {
  it("migrates a 100k-row v6 file in place: one index for READY and RUNNING rows, claims in order, leases kept, recovery works", async () => {
    const path = stores.path("v6.sqlite3");
    v6File(path);
    const s = stores.open(path);
    expectMigrated(
      s,
      9,
      ["tasklane_results_active"],
      ["tasklane_results_ready_queue", "tasklane_results_running_queue"],
    );
    // The index holds the unfinished rows only: the history is not in it.
    const entries = s.db
      .prepare(
        "SELECT count(*) FROM tasklane_results INDEXED BY tasklane_results_active WHERE status IN ('READY', 'RUNNING')",
      )
      .pluck()
      .get();
    const count = (where: string, ...params: unknown[]) =>
      s.db
        .prepare(`SELECT count(*) FROM tasklane_results WHERE ${where}`)
        .pluck()
        .get(...params) as number;
    expect(entries).toBe(count("status IN ('READY', 'RUNNING')"));

    // Per queue, READY and RUNNING counts and newest-first listings agree with the rows.
    const m = new SqliteManagement(s);
    const byQueue = await m.countByQueue();
    for (const queue of QUEUES) {
      const counts = byQueue.find((q) => q.queueName === queue)?.counts;
      expect(counts?.READY, queue).toBe(count("queue_name = ? AND status = 'READY'", queue));
      expect(counts?.RUNNING, queue).toBe(count("queue_name = ? AND status = 'RUNNING'", queue));
      for (const status of ["READY", "RUNNING"] as const) {
        const page = await m.listResults({ queues: [queue], statuses: [status], limit: 20 });
        const truth = s.db
          .prepare(`SELECT id FROM tasklane_results WHERE queue_name = ? AND status = ?
            ORDER BY enqueued_at DESC, seq DESC LIMIT 20`)
          .pluck()
          .all(queue, status);
        expect(
          page.results.map((r) => r.id),
          `${queue} ${status}`,
        ).toEqual(truth);
      }
    }

    // The live worker's heartbeat extends exactly its own RUNNING rows' leases.
    const live = count("status = 'RUNNING' AND worker_id = 'live'");
    expect(live).toBeGreaterThan(1000);
    s.heartbeat("live", NOW + 1_000);
    expect(count("status = 'RUNNING' AND lease_expires_at = ?", NOW + 1_000 + s.leaseMs)).toBe(live);

    // The gone worker's expired rows are taken back; the live worker's are not.
    const gone = count("status = 'RUNNING' AND worker_id = 'gone'");
    const recovered = new LeaseRecovery(s.db, s.statements, s.leaseMs).recoverExpired(() => null, NOW + 2_000);
    expect(recovered).toHaveLength(gone);
    expect(count("status = 'RUNNING'")).toBe(live);

    // Claims come in claim order, as the rows sort: priority desc, due time, enqueue time, insertion.
    const order = (queue: string) =>
      s.db
        .prepare(`SELECT id FROM tasklane_results WHERE status = 'READY' AND queue_name = ? AND due_at <= ?
          ORDER BY priority DESC, due_at, enqueued_at, seq LIMIT 50`)
        .pluck()
        .all(queue, NOW);
    const expected = order("q1");
    expect(s.claim("new", only("q1"), 50, NOW).map((r) => r.id)).toEqual(expected);
    const claimed = s.claim("new", ALL, 30, NOW);
    expect(claimed).toHaveLength(30);
    expect(new Set(claimed.map((r) => r.priority))).toEqual(new Set([2])); // the best priority of every queue
    // Completing them keeps the counts exact, and a newly enqueued task is claimable at once.
    const done: AttemptOutcome[] = claimed.map((r) => ({
      id: r.id,
      workerId: "new",
      attempt: 1,
      status: "SUCCEEDED",
      finishedAt: new Date(NOW),
      returnValue: null,
    }));
    expect(s.complete(done)).toEqual([]);
    const { counts, truth } = countsAndTruth(s);
    expect(counts).toEqual(truth);
    const fresh = record({ queueName: "q9", priority: 100 }, NOW);
    s.insert([fresh]);
    expect(s.claim("new", ALL, 1, NOW + 1).map((r) => r.id)).toEqual([fresh.id]);
    expect(s.db.pragma("integrity_check", { simple: true })).toBe("ok");
  });
});
