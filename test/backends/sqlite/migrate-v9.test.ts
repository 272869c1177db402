import { describe, expect, it } from "vitest";
import { SqliteManagement } from "../../../src/backends/sqlite/manage.js";
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
const NOW = Date.now();
const DAY = 86_400_000;
const STATUSES = [
  "SUCCEEDED",
  "SUCCEEDED",
  "FAILED",
  "READY",
  "SUCCEEDED",
  "CANCELLED",
  "SUCCEEDED",
  "RUNNING",
] as const;

/**
 * A file as tasklane's schema v8 left it: 100k rows over 3 queues and 5 tasks (not in step with
 * the queues or the statuses) over 10 days, every status, SUCCEEDED the most; rows finish 50 ms
 * after they are enqueued, except every 11th, which finished a day later; the counts exact.
 */
function v8File(path: string): void {
  fileAtVersion(path, 8, (raw) => {
    const write = fileRowWriter(raw, NOW);
    for (let i = 0; i < ROWS; i++) {
      const status = STATUSES[i % STATUSES.length]!;
      const enqueuedAt = NOW - 10 * DAY + i * 8_000;
      const late = i % 11 === 0 ? DAY : 50;
      const finishedAt = status === "READY" || status === "RUNNING" ? null : enqueuedAt + late;
      const errors = status === "FAILED" ? JSON.stringify([{ exceptionClass: `E${i % 2}`, message: "m" }]) : "[]";
      write({ i, status, queue: `q${i % 3}`, enqueuedAt, dueAt: enqueuedAt, finishedAt, errors });
    }
  });
}

describe("schema v9", () => {
  it("migrates a 100k-row v8 file in place: SUCCEEDED rows leave the finished index; listings, counts, error groups and prune agree with the rows", async () => {
    const path = stores.path("v8.sqlite3");
    v8File(path);
    const s = stores.open(path);
    expectMigrated(s, 9, ["tasklane_results_failed"], ["tasklane_results_finished"]);
    // The index holds FAILED and CANCELLED rows only.
    const entries = s.db
      .prepare(
        "SELECT count(*) FROM tasklane_results INDEXED BY tasklane_results_failed WHERE finished_at IS NOT NULL AND status <> 'SUCCEEDED'",
      )
      .pluck()
      .get();
    const failedOrCancelled = s.db
      .prepare("SELECT count(*) FROM tasklane_results WHERE status IN ('FAILED', 'CANCELLED')")
      .pluck()
      .get();
    expect(entries).toBe(failedOrCancelled);

    const m = new SqliteManagement(s);
    expect(countsAndTruth(s).counts).toEqual(countsAndTruth(s).truth);
    const since = NOW - 3 * DAY;
    const cases: [ResultFilter, string, unknown[]][] = [
      [{ statuses: ["SUCCEEDED"] }, "status = 'SUCCEEDED'", []],
      [{ statuses: ["SUCCEEDED", "FAILED"] }, "status IN ('SUCCEEDED', 'FAILED')", []],
      [{ statuses: ["CANCELLED"] }, "status = 'CANCELLED'", []],
      [{ queues: ["q1"], statuses: ["SUCCEEDED"] }, "queue_name = 'q1' AND status = 'SUCCEEDED'", []],
      [
        { queues: ["q2"], statuses: ["SUCCEEDED", "RUNNING"], taskNames: ["t0", "t3"] },
        "queue_name = 'q2' AND status IN ('SUCCEEDED', 'RUNNING') AND task_name IN ('t0', 't3')",
        [],
      ],
      [{ taskNames: ["t4"], statuses: ["SUCCEEDED"] }, "task_name = 't4' AND status = 'SUCCEEDED'", []],
      [{ statuses: ["SUCCEEDED"], since: new Date(since) }, "status = 'SUCCEEDED' AND enqueued_at >= ?", [since]],
      [
        { queues: ["q0"], taskNames: ["t1"], since: new Date(since) },
        "queue_name = 'q0' AND task_name = 't1' AND enqueued_at >= ?",
        [since],
      ],
      [{ since: new Date(since) }, "enqueued_at >= ?", [since]],
    ];
    for (const [filter, where, params] of cases) {
      const label = JSON.stringify(filter);
      expect(await threePages(m, filter), label).toEqual(newestIds(s, where, params, 60));
      // Counted per status, from the rows.
      const truth = Object.fromEntries(
        (
          s.db
            .prepare(`SELECT status, count(*) AS n FROM tasklane_results WHERE ${where} GROUP BY status`)
            .all(...params) as { status: string; n: number }[]
        ).map((r) => [r.status, r.n]),
      );
      const counted = Object.fromEntries(Object.entries(await m.countByStatus(filter)).filter(([, n]) => n > 0));
      expect(counted, label).toEqual(truth);
    }

    // Error groups read the FAILED rows as before.
    const groups = await m.errorGroups({});
    expect(groups.map((g) => g.count).reduce((a, b) => a + b, 0)).toBe(
      s.db.prepare("SELECT count(*) FROM tasklane_results WHERE status = 'FAILED'").pluck().get(),
    );

    // Claims and completions on the migrated file.
    const claimed = s.claim("new-worker", ALL, 5);
    expect(claimed).toHaveLength(5);
    const outcome = (id: string) => ({ id, workerId: "new-worker", attempt: 1, finishedAt: new Date() });
    expect(
      s.complete(
        claimed.map((r, i) => ({ ...outcome(r.id), status: i === 0 ? ("FAILED" as const) : ("SUCCEEDED" as const) })),
      ),
    ).toEqual([]);
    expect(countsAndTruth(s).counts).toEqual(countsAndTruth(s).truth);

    // Prune: SUCCEEDED rows through the (queue, task) walks, the others through the index; a
    // row enqueued before the cutoff but finished after it stays.
    const cutoff = NOW - 4 * DAY;
    const prunable = (where: string) =>
      s.db
        .prepare(`SELECT count(*) FROM tasklane_results WHERE ${where} AND finished_at < ? AND enqueued_at < ?`)
        .pluck()
        .get(cutoff, cutoff) as number;
    const opts = { finishedBefore: new Date(cutoff), failedFinishedBefore: new Date(cutoff), batchSize: 700 };
    const expected = prunable("status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')");
    const lateOnes = s.db
      .prepare(
        "SELECT count(*) FROM tasklane_results WHERE status = 'SUCCEEDED' AND enqueued_at < ? AND finished_at >= ?",
      )
      .pluck()
      .get(cutoff, cutoff);
    expect(lateOnes).toBeGreaterThan(0);
    expect(await m.countPrunable(opts)).toBe(expected);
    const onlyT2 = { ...opts, queues: ["q1"], taskNames: ["t2"] };
    const t2 = prunable("status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND queue_name = 'q1' AND task_name = 't2'");
    expect(await m.countPrunable(onlyT2)).toBe(t2);
    expect(await m.prune(onlyT2)).toBe(t2);
    expect(await m.prune(opts)).toBe(expected - t2);
    expect(prunable("status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')")).toBe(0);
    expect(
      s.db
        .prepare("SELECT count(*) FROM tasklane_results WHERE status = 'SUCCEEDED' AND enqueued_at < ?")
        .pluck()
        .get(cutoff),
    ).toBe(lateOnes);
    expect(countsAndTruth(s).counts).toEqual(countsAndTruth(s).truth);
  });
});
