import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteManagement } from "../../../src/backends/sqlite/manage.js";
import { MIGRATIONS } from "../../../src/backends/sqlite/migrations.js";
import { SCHEMA_VERSION } from "../../../src/backends/sqlite/schema.js";
import type { TaskResultStatus } from "../../../src/core/result.js";
import { ALL, countsAndTruth, indexNames, storesPerTest } from "./helpers.js";

const stores = storesPerTest();

const ROWS = 100_000;
const NOW = Date.now();
const DAY = 86_400_000;
const STATUSES = ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "CANCELLED", "READY", "RUNNING"] as const;
/** Rows from this one on finished in the last 40 minutes (the rest over the 30 days before). */
const RECENT_FROM = ROWS - 3_000;

/**
 * A file as tasklane's schema v5 left it: 100k rows over 3 queues, 5 tasks and every status,
 * the newest finished in the last 40 minutes, the counts table exact (as the v5 store kept it).
 */
function v5File(path: string): void {
  const raw = new Database(path);
  raw.pragma("journal_mode = WAL");
  for (let v = 0; v < 5; v++) raw.exec(MIGRATIONS[v]!);
  raw.pragma("user_version = 5");
  const insert = raw.prepare(`INSERT INTO tasklane_results
    (id, task_name, status, queue_name, due_at, enqueued_at, started_at, finished_at, worker_id, lease_expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  raw.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const status = STATUSES[i % STATUSES.length]!;
      const enqueued = i < RECENT_FROM ? NOW - 31 * DAY + i * 25_000 : NOW - 40 * 60_000 + (i - RECENT_FROM) * 700;
      const finished = status === "READY" || status === "RUNNING" ? null : enqueued + 50;
      const running = status === "RUNNING";
      insert.run(
        `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`,
        `t${i % 5}`,
        status,
        `q${i % 3}`,
        enqueued,
        enqueued,
        finished,
        finished,
        running ? "old-worker" : null,
        running ? NOW + 60_000 : null,
      );
    }
    raw.exec(`INSERT INTO tasklane_counts (queue_name, task_name, status, n)
      SELECT queue_name, task_name, status, count(*) FROM tasklane_results
      WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') GROUP BY 1, 2, 3`);
  })();
  raw.close();
}

describe("schema v6", () => {
  it("migrates a 100k-row v5 file in place: listings, counts, throughput history and prune agree with the rows", async () => {
    const path = stores.path("v5.sqlite3");
    v5File(path);
    const s = stores.open(path);
    expect(s.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(9);
    expect(indexNames(s)).not.toContain("tasklane_results_queue_status");
    expect(indexNames(s)).toEqual(
      expect.arrayContaining([
        "tasklane_results_queue_task", // v8: v6's queue and task indexes, merged
        "tasklane_results_failed", // v9: the finished index of v6, without SUCCEEDED rows
        "tasklane_results_active", // v7: the READY and RUNNING indexes of v6, merged
      ]),
    );
    expect(s.db.pragma("integrity_check", { simple: true })).toBe("ok");
    const m = new SqliteManagement(s);
    const truth = (where: string, params: unknown[] = []) =>
      s.db
        .prepare(`SELECT id FROM tasklane_results WHERE ${where} ORDER BY enqueued_at DESC, seq DESC LIMIT 25`)
        .pluck()
        .all(...params);

    // Counts: the totals carried over, exact.
    const { counts, truth: grouped } = countsAndTruth(s);
    expect(counts).toEqual(grouped);
    const expected: Record<string, number> = {};
    for (let i = 0; i < ROWS; i++) expected[STATUSES[i % 7]!] = (expected[STATUSES[i % 7]!] ?? 0) + 1;
    expect(await m.countByStatus()).toEqual(expected);

    // Throughput: the last hour's completions came over from the rows.
    const recentlyFinished = s.db
      .prepare("SELECT count(*) FROM tasklane_results WHERE finished_at >= ?")
      .pluck()
      .get(NOW - 45 * 60_000) as number;
    expect(recentlyFinished).toBeGreaterThan(1000);
    expect((await m.throughput(50)).reduce((a, b) => a + b, 0)).toBe(recentlyFinished);

    // Every (queue, status) listing, and the whole list, newest first as the rows say.
    for (const queue of ["q0", "q1", "q2"]) {
      for (const status of STATUSES) {
        const page = await m.listResults({ queues: [queue], statuses: [status as TaskResultStatus], limit: 25 });
        expect(
          page.results.map((r) => r.id),
          `${queue} ${status}`,
        ).toEqual(truth("queue_name = ? AND status = ?", [queue, status]));
      }
    }
    expect((await m.listResults({ limit: 25 })).results.map((r) => r.id)).toEqual(truth("1"));
    const since = new Date(NOW - 30 * 60_000);
    const sinceCounts = await m.countByStatus({ since });
    for (const status of new Set(STATUSES)) {
      const n = s.db
        .prepare("SELECT count(*) FROM tasklane_results WHERE status = ? AND enqueued_at >= ?")
        .pluck()
        .get(status, since.getTime());
      expect(sinceCounts[status], status).toBe(n);
    }

    // The old worker's RUNNING rows are found per queue (its leases are still valid: none lost).
    expect((await m.countByQueue()).map((q) => q.counts.RUNNING)).toEqual(
      ["q0", "q1", "q2"].map(
        (q) =>
          s.db
            .prepare("SELECT count(*) FROM tasklane_results WHERE status = 'RUNNING' AND queue_name = ?")
            .pluck()
            .get(q) as number,
      ),
    );
    expect(s.claim("new-worker", ALL, 3)).toHaveLength(3);

    // Prune: every row finished more than a day ago, and nothing newer.
    const old = s.db
      .prepare("SELECT count(*) FROM tasklane_results WHERE finished_at < ?")
      .pluck()
      .get(NOW - DAY) as number;
    expect(old).toBeGreaterThan(50_000);
    const cutoff = new Date(NOW - DAY);
    expect(await m.countPrunable({ finishedBefore: cutoff, failedFinishedBefore: cutoff })).toBe(old);
    expect(await m.prune({ finishedBefore: cutoff, failedFinishedBefore: cutoff })).toBe(old);
    expect(
      s.db
        .prepare("SELECT count(*) FROM tasklane_results WHERE finished_at < ?")
        .pluck()
        .get(NOW - DAY),
    ).toBe(0);
    const after = await m.countByStatus();
    expect(after.SUCCEEDED + after.FAILED + after.CANCELLED).toBe(
      s.db
        .prepare("SELECT count(*) FROM tasklane_results WHERE status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')")
        .pluck()
        .get(),
    );
  });
});
