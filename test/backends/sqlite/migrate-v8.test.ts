import { describe, expect, it } from "vitest";
import { SqliteManagement } from "../../../src/backends/sqlite/manage.js";
import { READY_SORTED_MAX } from "../../../src/backends/sqlite/sql/manage.js";
import type { ResultFilter } from "../../../src/contract/management.js";
import {
  ALL,
  countsAndTruth,
  expectMigrated,
  fileAtVersion,
  fileRowWriter,
  newestIds,
  storesPerTest,
  threePages,
} from "./helpers.js";

const stores = storesPerTest();

const ROWS = 100_000;
/** Rows from this one on are a READY backlog of queue q0, larger than READY_SORTED_MAX. */
const BACKLOG_FROM = 80_000;
const NOW = Date.now();
const STATUSES = ["SUCCEEDED", "SUCCEEDED", "FAILED", "READY", "RUNNING", "CANCELLED", "READY"] as const;

/**
 * A file as tasklane's schema v7 left it: 100k rows over 3 queues, 5 tasks (not in step with the
 * queues or the statuses) and every status, then a 20k READY backlog in q0, some of it deferred
 * an hour; the counts exact.
 */
function v7File(path: string): void {
  fileAtVersion(path, 7, (raw) => {
    const write = fileRowWriter(raw, NOW);
    for (let i = 0; i < ROWS; i++) {
      const backlog = i >= BACKLOG_FROM;
      const status = backlog ? "READY" : STATUSES[i % STATUSES.length]!;
      const enqueuedAt = NOW - 10 * 86_400_000 + i * 5_000;
      const finishedAt = status === "READY" || status === "RUNNING" ? null : enqueuedAt + 50;
      const queue = backlog ? "q0" : `q${i % 3}`;
      write({ i, status, queue, enqueuedAt, dueAt: i % 13 === 0 ? NOW + 3_600_000 : enqueuedAt, finishedAt });
    }
  });
}

describe("schema v8", () => {
  it("migrates a 100k-row v7 file in place: one index for queue and task filters; listings, counts and claims agree with the rows", async () => {
    const path = stores.path("v7.sqlite3");
    v7File(path);
    const s = stores.open(path);
    expectMigrated(s, 9, ["tasklane_results_queue_task"], ["tasklane_results_queue", "tasklane_results_task"]);
    const ready = (queue: string) =>
      s.db
        .prepare("SELECT count(*) FROM tasklane_results WHERE status = 'READY' AND queue_name = ?")
        .pluck()
        .get(queue);
    expect(ready("q0")).toBeGreaterThan(READY_SORTED_MAX); // q0's READY rows are walked per task
    expect(ready("q1")).toBeLessThan(READY_SORTED_MAX); // q1's are sorted

    const m = new SqliteManagement(s);
    const { counts, truth: grouped } = countsAndTruth(s);
    expect(counts).toEqual(grouped);
    const since = NOW - 3 * 86_400_000;
    const cases: [ResultFilter, string, unknown[]][] = [
      [{}, "1", []],
      [{ queues: ["q1"] }, "queue_name = ?", ["q1"]],
      [{ taskNames: ["t3"] }, "task_name = ?", ["t3"]],
      [{ queues: ["q2"], taskNames: ["t0", "t4"] }, "queue_name = ? AND task_name IN (?, ?)", ["q2", "t0", "t4"]],
      [{ queues: ["q0"], statuses: ["READY"] }, "queue_name = ? AND status = 'READY'", ["q0"]],
      [
        { queues: ["q0"], statuses: ["READY"], taskNames: ["t2"] },
        "queue_name = 'q0' AND status = 'READY' AND task_name = ?",
        ["t2"],
      ],
      [
        { taskNames: ["t1"], statuses: ["FAILED", "RUNNING"] },
        "task_name = ? AND status IN ('FAILED', 'RUNNING')",
        ["t1"],
      ],
      [
        { queues: ["q0", "q1"], waiting: "scheduled" },
        "queue_name IN ('q0', 'q1') AND status = 'READY' AND due_at > ?",
        [NOW],
      ],
      [{ taskNames: ["t2"], since: new Date(since) }, "task_name = ? AND enqueued_at >= ?", ["t2", since]],
    ];
    for (const [filter, where, params] of cases) {
      const label = JSON.stringify(filter);
      expect(await threePages(m, filter), label).toEqual(newestIds(s, where, params, 60));
      if (filter.waiting) continue; // counts take no `waiting` filter
      const byStatus = await m.countByStatus(filter);
      const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
      const n = s.db
        .prepare(`SELECT count(*) FROM tasklane_results WHERE ${where}`)
        .pluck()
        .get(...params);
      expect(total, label).toBe(n);
    }

    // Claims and completions on the migrated file (the index is on neither's path).
    const claimed = s.claim("new-worker", ALL, 5);
    expect(claimed).toHaveLength(5);
    expect(
      s.complete(
        claimed.map((r) => ({
          id: r.id,
          workerId: "new-worker",
          attempt: 1,
          finishedAt: new Date(),
          status: "SUCCEEDED" as const,
        })),
      ),
    ).toEqual([]);
    expect(countsAndTruth(s).counts).toEqual(countsAndTruth(s).truth);
  });
});
