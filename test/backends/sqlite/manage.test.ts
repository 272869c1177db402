import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recount } from "../../../src/backends/sqlite/counts.js";
import { SqliteManagement } from "../../../src/backends/sqlite/manage.js";
import { MIGRATIONS } from "../../../src/backends/sqlite/migrations.js";
import { LeaseRecovery } from "../../../src/backends/sqlite/recovery.js";
import { SCHEMA_VERSION } from "../../../src/backends/sqlite/schema.js";
import { TOTAL_SLOT } from "../../../src/backends/sqlite/sql/counts.js";
import { READY_SORTED_MAX, SQL } from "../../../src/backends/sqlite/sql/manage.js";
import { PRUNE_SQL } from "../../../src/backends/sqlite/sql/prune.js";
import type { SqliteStore } from "../../../src/backends/sqlite/store.js";
import type { PruneOptions, ResultFilter } from "../../../src/contract/management.js";
import type { LostAttempt } from "../../../src/contract/worker-store.js";
import { UsageError } from "../../../src/core/errors.js";
import { ALL_STATUSES, type TaskResultData, type TaskResultStatus } from "../../../src/core/result.js";
import { retryAt } from "../../../src/core/retry.js";
import { ALL, countsAndTruth, openBackend, openStore, record, tempDir } from "./helpers.js";

let cleanup: () => void;
let dir: string;
let s: SqliteStore;
let m: SqliteManagement;
const opened: { close(): unknown }[] = [];

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  s = openStore(join(dir, "tasks.sqlite3"));
  opened.push(s);
  m = new SqliteManagement(s);
});

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
  cleanup();
});

const T0 = Date.UTC(2030, 0, 1);
const MIN = 60_000;
const ids = (records: TaskResultData[]) => records.map((r) => r.id);
const error = (exceptionClass: string, message = `${exceptionClass}!`) => ({
  exceptionClass,
  message,
  traceback: `${exceptionClass}: ${message}\n    at f (x.ts:1:1)`,
});

/**
 * Sets a row's final state directly. Hand-written SQL does not keep the counts (migrations.ts, v5),
 * so they are rebuilt from the rows after it; everything the store does after that keeps them.
 */
function finish(id: string, status: TaskResultStatus, finishedAt: number | null, errors: object[] = []): void {
  s.db
    .prepare("UPDATE tasklane_results SET status = ?, finished_at = ?, errors = ? WHERE id = ?")
    .run(status, finishedAt, JSON.stringify(errors), id);
  recount(s.db);
}

interface Row {
  seq: number;
  id: string;
  task_name: string;
  queue_name: string;
  status: TaskResultStatus;
  enqueued_at: number;
  finished_at: number | null;
}
const allRows = (): Row[] => s.db.prepare("SELECT * FROM tasklane_results").all() as Row[];

/** What listResults should return for a filter: every matching row, newest first. */
function expected(filter: ResultFilter): string[] {
  const has = <T>(list: T[] | undefined, v: T) => !list || list.length === 0 || list.includes(v);
  return allRows()
    .filter(
      (r) => has(filter.statuses, r.status) && has(filter.taskNames, r.task_name) && has(filter.queues, r.queue_name),
    )
    .filter((r) => !filter.since || r.enqueued_at >= filter.since.getTime())
    .sort((a, b) => b.enqueued_at - a.enqueued_at || b.seq - a.seq)
    .map((r) => r.id);
}

/** Every page of a listing, following cursors. */
async function allPages(filter: ResultFilter, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await m.listResults({ ...filter, limit, cursor });
    pages.push(ids(page.results));
    if (!page.nextCursor) return pages;
    expect(page.results).toHaveLength(limit);
    cursor = page.nextCursor;
  }
}

/** A deterministic mix: 4 queues (one rare), 5 tasks (one rare), every status, tied timestamps. */
function seedMix(n = 400): void {
  let x = 12345;
  const rand = (k: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % k;
  };
  const records = Array.from({ length: n }, (_, i) => {
    const queueName = i % 97 === 5 ? "rare" : ["default", "emails", "reports"][rand(3)]!;
    const taskName = i % 89 === 7 ? "monthly" : ["send", "resize", "report", "sync"][rand(4)]!;
    return record({ queueName, taskName, priority: rand(3) - 1 }, T0 + Math.floor(i / 3) * 1000); // 3 rows per ms
  });
  s.insert(records);
  const statuses: TaskResultStatus[] = ["READY", "RUNNING", "SUCCEEDED", "SUCCEEDED", "FAILED", "CANCELLED"];
  for (const [i, r] of records.entries()) {
    const status = statuses[rand(statuses.length)]!;
    if (status === "READY") continue;
    const finishedAt = status === "RUNNING" ? null : T0 + i * 1000 + 500;
    finish(r.id, status, finishedAt, status === "FAILED" ? [error(rand(2) ? "TypeError" : "RangeError")] : []);
  }
}

/** The counts table equals a GROUP BY over the rows, and so does countByStatus(). */
async function expectCountsExact(): Promise<void> {
  const { counts: table, truth } = countsAndTruth(s);
  expect(table).toEqual(truth);
  expect(s.db.prepare("SELECT count(*) FROM tasklane_counts WHERE n < 0").pluck().get()).toBe(0);
  const byStatus = Object.fromEntries(ALL_STATUSES.map((st) => [st, 0]));
  for (const r of allRows()) byStatus[r.status]! += 1;
  expect(await m.countByStatus()).toEqual(byStatus);
}

describe("listResults", () => {
  it("lists newest first (enqueued_at, then insertion order) with a null cursor on the last page", async () => {
    const a = record({}, T0 + 5);
    const b = record({ queueName: "emails" }, T0 + 9);
    const c = record({}, T0 + 5);
    const d = record({ taskName: "other" }, T0 + 1);
    s.insert([a, b]);
    s.insert([c, d]);
    finish(b.id, "SUCCEEDED", T0 + 20);
    const page = await m.listResults({ limit: 10 });
    expect(ids(page.results)).toEqual([b.id, c.id, a.id, d.id]);
    expect(page.nextCursor).toBeNull();
    expect(page.results[0]).toMatchObject({ status: "SUCCEEDED", queueName: "emails", backend: "default" });
    const first = await m.listResults({ limit: 2 });
    expect(ids(first.results)).toEqual([b.id, c.id]);
    const second = await m.listResults({ limit: 2, cursor: first.nextCursor! });
    expect(ids(second.results)).toEqual([a.id, d.id]);
    expect(second.nextCursor).toBeNull(); // exactly two pages: no empty third one
    expect(await m.listResults({ limit: 5, statuses: ["FAILED"] })).toEqual({ results: [], nextCursor: null });
  });

  it("filters and paginates exactly: pages never overlap and cover every matching row", async () => {
    seedMix();
    const since = new Date(T0 + 60_000);
    const filters: ResultFilter[] = [
      {},
      { statuses: ["FAILED"] },
      { statuses: ["READY", "CANCELLED"] },
      { taskNames: ["monthly"] },
      { taskNames: ["send", "monthly"] },
      { queues: ["rare"] },
      { queues: ["emails", "reports"] },
      { since },
      { statuses: ["SUCCEEDED"], taskNames: ["report"] }, // big task, common status
      { statuses: ["FAILED"], taskNames: ["monthly"] }, // rare task: walks the task index
      { queues: ["default"], taskNames: ["sync"], since },
      { statuses: ["RUNNING"], queues: ["emails"], taskNames: ["send", "resize"], since },
      { queues: ["nope"] },
      { taskNames: ["nope"], statuses: ["READY"] },
    ];
    for (const filter of filters) {
      const want = expected(filter);
      for (const limit of [1, 7, 50, 1000]) {
        const pages = await allPages(filter, limit);
        expect(pages.flat(), JSON.stringify({ filter, limit })).toEqual(want);
      }
    }
    expect(expected({ queues: ["rare"] }).length).toBeGreaterThan(0);
    expect(expected({ statuses: ["FAILED"], taskNames: ["monthly"] }).length).toBeGreaterThan(0);
  });

  it("lists a READY backlog larger than READY_SORTED_MAX newest first, with its scheduled and retrying rows", async () => {
    // Over READY_SORTED_MAX READY rows in "default", interleaved with finished ones: READY
    // walks go through the queue's rows instead of sorting the READY index (manage-walks.ts).
    // "emails" keeps fewer READY rows than the limit: sorted from the READY index.
    const rows = Array.from({ length: Math.ceil(READY_SORTED_MAX * 1.6) }, (_, i) =>
      record(
        { queueName: i % 7 === 3 ? "emails" : "default", runAfter: i % 11 === 0 ? new Date(T0 + 9e9) : null },
        T0 + i,
      ),
    );
    s.insert(rows);
    s.db
      .prepare("UPDATE tasklane_results SET status = 'SUCCEEDED', finished_at = enqueued_at + 10 WHERE seq % 5 = 1")
      .run();
    s.db
      .prepare("UPDATE tasklane_results SET errors = ? WHERE seq % 13 = 2 AND status = 'READY'")
      .run('[{"exceptionClass":"E","message":"m","traceback":"E: m"}]');
    recount(s.db);
    expect((await m.countByStatus({ queues: ["emails"] })).READY).toBeLessThanOrEqual(READY_SORTED_MAX);
    expect((await m.countByStatus({ queues: ["default"] })).READY).toBeGreaterThan(READY_SORTED_MAX);
    const filters = [
      { statuses: ["READY"] },
      { statuses: ["READY"], queues: ["default"] },
      { statuses: ["READY"], queues: ["emails"] },
    ];
    for (const filter of filters as ResultFilter[]) {
      for (const limit of [97, 1000]) expect((await allPages(filter, limit)).flat()).toEqual(expected(filter));
    }
    const waitingRows = () =>
      s.db.prepare("SELECT * FROM tasklane_results").all() as (Row & { due_at: number; errors: string })[];
    for (const [queue, waiting] of [
      ["default", "scheduled"],
      ["default", "retrying"],
      ["emails", "scheduled"],
      ["emails", "retrying"],
    ] as const) {
      const want = waitingRows()
        .filter((r) => r.status === "READY" && r.queue_name === queue)
        .filter((r) => (waiting === "scheduled" ? r.due_at > Date.now() : r.errors !== "[]"))
        .sort((a, b) => b.enqueued_at - a.enqueued_at || b.seq - a.seq)
        .map((r) => r.id);
      expect(want.length).toBeGreaterThan(0);
      expect((await allPages({ queues: [queue], waiting }, 50)).flat()).toEqual(want);
    }
  });

  it("rejects a bad cursor or limit", async () => {
    await expect(m.listResults({ limit: 5, cursor: "not-a-cursor" })).rejects.toBeInstanceOf(UsageError);
    await expect(m.listResults({ limit: 0 })).rejects.toBeInstanceOf(UsageError);
  });
});

describe("counts", () => {
  it("countByStatus matches the rows for every filter, zero-filled", async () => {
    seedMix();
    const since = new Date(T0 + 60_000);
    const filters: ResultFilter[] = [
      {},
      { statuses: ["FAILED", "READY"] },
      { taskNames: ["monthly"] },
      { queues: ["rare", "emails"] },
      { since },
      { since, taskNames: ["send"] },
      { since, queues: ["default"], statuses: ["SUCCEEDED", "RUNNING"] },
      { taskNames: ["report"], queues: ["reports"], statuses: ["READY", "SUCCEEDED"] },
    ];
    const statusOf = new Map(allRows().map((r) => [r.id, r.status]));
    for (const filter of filters) {
      const want = Object.fromEntries(ALL_STATUSES.map((st) => [st, 0]));
      for (const id of expected(filter)) want[statusOf.get(id)!]! += 1;
      expect(await m.countByStatus(filter), JSON.stringify(filter)).toEqual(want);
    }
    expect(await m.countByStatus({ queues: ["nope"] })).toEqual({
      READY: 0,
      RUNNING: 0,
      SUCCEEDED: 0,
      FAILED: 0,
      CANCELLED: 0,
    });
  });

  it("countByQueue gives each queue's counts and its oldest READY task", async () => {
    seedMix();
    const queues = await m.countByQueue();
    expect(queues.map((q) => q.queueName)).toEqual(["default", "emails", "rare", "reports"]);
    for (const q of queues) {
      const rows = allRows().filter((r) => r.queue_name === q.queueName);
      for (const status of ALL_STATUSES) expect(q.counts[status]).toBe(rows.filter((r) => r.status === status).length);
      const ready = rows.filter((r) => r.status === "READY").map((r) => r.enqueued_at);
      expect(q.oldestReadyAt).toEqual(ready.length ? new Date(Math.min(...ready)) : null);
    }
  });

  it("stay exact through insert → claim → recover → complete → retry → cancel → prune", async () => {
    const records = Array.from({ length: 40 }, (_, i) =>
      record({ queueName: i % 3 ? "a" : "b", taskName: i % 4 ? "t1" : "t2", maxAttempts: i % 5 ? 1 : 2 }, T0 + i),
    );
    s.insert(records.slice(0, 30));
    for (const r of records.slice(30)) s.insert([r]);
    await expectCountsExact();
    const claimed = s.claim("w1", ALL, 25, T0 + 1000);
    await expectCountsExact();
    s.complete(
      claimed.map((r, i) => ({
        id: r.id,
        workerId: "w1",
        attempt: r.workerIds.length,
        finishedAt: new Date(T0 + 2000 + i),
        status: i % 3 === 0 ? "FAILED" : "SUCCEEDED",
        ...(i % 3 === 0 ? { error: error("Boom") } : { returnValue: i }),
        ...(i % 6 === 0 ? { retryAt: new Date(T0 + 3000) } : {}),
      })),
    );
    await expectCountsExact();
    // A worker that stops heartbeating: recovery puts its tasks back to READY or ends them FAILED.
    const lost = s.claim("w-lost", ALL, 4, T0 + 1000);
    const recoverAt = T0 + 1000 + s.leaseMs + 1;
    const plan = (lost: LostAttempt) =>
      retryAt({ maxAttempts: lost.maxAttempts, backoff: undefined }, lost.attempts, recoverAt);
    const recovered = new LeaseRecovery(s.db, s.statements, s.leaseMs).recoverExpired(plan, recoverAt);
    expect(recovered.map((r) => r.id).sort()).toEqual(ids(lost).sort());
    expect(new Set(recovered.map((r) => r.status))).toEqual(new Set(["READY", "FAILED"]));
    await expectCountsExact();
    const failed = allRows().filter((r) => r.status === "FAILED");
    expect(failed.length).toBeGreaterThan(0);
    await m.retry(failed.slice(0, 2).map((r) => r.id));
    await expectCountsExact();
    const ready = allRows().filter((r) => r.status === "READY");
    await m.cancel(ready.slice(0, 4).map((r) => r.id));
    await expectCountsExact();
    expect((await m.retryFailed({})).length).toBe(failed.length - 2);
    await expectCountsExact();
    const again = s.claim("w2", ALL, 100, T0 + 100 * MIN);
    s.complete(
      again.map((r) => ({
        id: r.id,
        workerId: "w2",
        attempt: r.workerIds.length,
        finishedAt: new Date(T0 + 5000),
        status: "SUCCEEDED",
      })),
    );
    await expectCountsExact();
    const far = new Date(T0 + 10 * MIN);
    expect(await m.prune({ finishedBefore: far, failedFinishedBefore: far, batchSize: 3 })).toBeGreaterThan(20);
    await expectCountsExact();
    expect(allRows().every((r) => r.status === "READY" || r.status === "RUNNING")).toBe(true);
  });

  it("stay exact when completions ride a claim, come from another connection, or are dropped", async () => {
    s.insert(
      Array.from({ length: 12 }, (_, i) => record({ queueName: i % 2 ? "a" : "b", taskName: `t${i % 3}` }, T0 + i)),
    );
    const first = s.claim("w1", ALL, 4, T0 + 1000);
    const done = (r: TaskResultData, status: "SUCCEEDED" | "FAILED", worker = "w1") => ({
      id: r.id,
      workerId: worker,
      attempt: r.workerIds.length,
      finishedAt: new Date(T0 + 2000),
      status,
      ...(status === "FAILED" ? { error: error("Boom") } : {}),
    });
    // Completions carried by the next claim, in its transaction.
    const { claimed } = s.claimAndComplete("w1", ALL, 4, T0 + 1500, [
      done(first[0]!, "SUCCEEDED"),
      done(first[1]!, "FAILED"),
    ]);
    await expectCountsExact();
    // Another connection (a restarted worker's store) completes by id.
    const other = openStore(s.path);
    opened.push(other);
    expect(other.complete([done(first[2]!, "SUCCEEDED"), done(claimed[0]!, "FAILED")])).toEqual([]);
    await expectCountsExact();
    // A task recovered from its holder: the holder's late completion is dropped and not counted.
    const recoverAt = T0 + 1500 + s.leaseMs + 1;
    new LeaseRecovery(s.db, s.statements, s.leaseMs).recoverExpired(() => null, recoverAt);
    await expectCountsExact();
    expect(s.complete([done(first[3]!, "SUCCEEDED"), done(claimed[1]!, "SUCCEEDED")])).toEqual([
      first[3]!.id,
      claimed[1]!.id,
    ]);
    await expectCountsExact();
    expect((await m.countByStatus()).FAILED).toBe(1 + 1 + 4);
  });
});

describe("id lookup", () => {
  it("finds by prefix (unique, ambiguous, unknown) and by fragment (prefix or the short id tail)", async () => {
    const tails = ["a00000000001", "a00000000002", "b00000000003", "c00000000004", "c0000000000a"];
    const records = tails.map((tail, i) => ({
      ...record({ taskName: `t${i}` }, T0),
      id: `0190abcd-0000-7000-8000-${tail}`,
    }));
    s.insert(records);
    s.insert([{ ...record({}, T0), id: "0190abce-0000-7000-8000-000000000001" }]);
    const [one, two] = records;
    expect(ids(await m.findByIdPrefix(one!.id, 5))).toEqual([one!.id]);
    expect(ids(await m.findByIdPrefix("0190abcd-0000-7000-8000-b", 5))).toEqual([records[2]!.id]);
    expect(ids(await m.findByIdPrefix("0190abcd", 10))).toEqual(ids(records)); // in id order
    expect(ids(await m.findByIdPrefix("0190abcd-0000-7000-8000-a", 10))).toEqual([one!.id, two!.id]);
    expect(await m.findByIdPrefix("0190abcd", 2)).toHaveLength(2);
    expect(await m.findByIdPrefix("0190abcf", 5)).toEqual([]);
    expect(await m.findByIdPrefix("0190abcd", 0)).toEqual([]);

    expect(ids(await m.findByIdFragment("a00000000002", 6))).toEqual([two!.id]);
    expect(ids(await m.findByIdFragment("0000000004", 6))).toEqual([records[3]!.id]);
    expect(ids(await m.findByIdFragment("0190abce", 6))).toEqual(["0190abce-0000-7000-8000-000000000001"]);
    expect(ids(await m.findByIdFragment("0000000001", 6))).toEqual([one!.id, "0190abce-0000-7000-8000-000000000001"]);
    expect(await m.findByIdFragment("0190abcd", 3)).toHaveLength(3);
    expect(await m.findByIdFragment("zzzzzz", 6)).toEqual([]);
    expect(await m.findByIdFragment("c0000000000a", 6)).toEqual([
      expect.objectContaining({ taskName: "t4", status: "READY", backend: "default" }),
    ]);
  });
});

describe("errorGroups", () => {
  it("groups FAILED results by task and last error class, with the latest as sample", async () => {
    const rs = Array.from({ length: 7 }, (_, i) =>
      record({ taskName: i < 5 ? "mail" : "sync", queueName: "q" }, T0 + i),
    );
    s.insert(rs);
    finish(rs[0]!.id, "FAILED", T0 + 100, [error("RangeError", "first")]);
    finish(rs[1]!.id, "FAILED", T0 + 300, [error("RangeError", "old"), error("TypeError", "latest type")]);
    finish(rs[2]!.id, "FAILED", T0 + 200, [error("TypeError", "earlier type")]);
    finish(rs[3]!.id, "FAILED", T0 + 400, [error("TypeError", "middle"), error("RangeError", "late range")]);
    finish(rs[4]!.id, "SUCCEEDED", T0 + 500);
    finish(rs[5]!.id, "FAILED", T0 + 600, [error("Error", "sync broke")]);
    const groups = await m.errorGroups({});
    expect(groups).toEqual([
      {
        taskName: "sync",
        exceptionClass: "Error",
        count: 1,
        firstSeen: new Date(T0 + 600),
        lastSeen: new Date(T0 + 600),
        lastMessage: "sync broke",
        sampleTraceback: error("Error", "sync broke").traceback,
        sampleId: rs[5]!.id,
      },
      expect.objectContaining({
        taskName: "mail",
        exceptionClass: "RangeError",
        count: 2,
        firstSeen: new Date(T0 + 100),
        lastSeen: new Date(T0 + 400),
        lastMessage: "late range",
        sampleId: rs[3]!.id,
      }),
      expect.objectContaining({
        taskName: "mail",
        exceptionClass: "TypeError",
        count: 2,
        firstSeen: new Date(T0 + 200),
        lastSeen: new Date(T0 + 300),
        lastMessage: "latest type",
        sampleId: rs[1]!.id,
      }),
    ]);
    expect((await m.errorGroups({ taskNames: ["sync"] })).map((g) => g.taskName)).toEqual(["sync"]);
    expect(await m.errorGroups({ queues: ["other"] })).toEqual([]);
    expect((await m.errorGroups({ since: new Date(T0 + 3) })).map((g) => g.count)).toEqual([1, 1]);
    expect(await m.errorGroups({ statuses: ["SUCCEEDED"] })).toEqual([]);
  });
});

describe("retry and cancel", () => {
  function states() {
    const [failed, ready, running, done, failed2] = Array.from({ length: 5 }, (_, i) => record({}, T0 + i));
    s.insert([running!]);
    s.claim("w", ALL, 1, T0 + 10); // only `running` exists yet
    s.insert([failed!, ready!, done!, failed2!]);
    s.db.prepare("UPDATE tasklane_results SET attempts = 1, worker_ids = '[\"w0\"]' WHERE id = ?").run(failed!.id);
    finish(failed!.id, "FAILED", T0 + 100, [error("Boom")]);
    finish(failed2!.id, "FAILED", T0 + 100, [error("Boom")]);
    finish(done!.id, "SUCCEEDED", T0 + 100);
    return { failed: failed!.id, ready: ready!.id, running: running!.id, done: done!.id, failed2: failed2!.id };
  }

  it("retries FAILED results only, keeping errors and attempts, and reports each other id", async () => {
    const st = states();
    const before = Date.now();
    const outcomes = await m.retry([st.failed, st.ready, st.running, st.done, "nope", st.failed]);
    expect(outcomes).toEqual([
      { id: st.failed, ok: true, status: "FAILED" },
      { id: st.ready, ok: false, status: "READY", reason: "is READY; only FAILED results can be retried" },
      { id: st.running, ok: false, status: "RUNNING", reason: "is RUNNING; only FAILED results can be retried" },
      { id: st.done, ok: false, status: "SUCCEEDED", reason: "is SUCCEEDED; only FAILED results can be retried" },
      { id: "nope", ok: false, reason: "no such result" },
      { id: st.failed, ok: true, status: "FAILED" },
    ]);
    const retried = s.get(st.failed)!;
    expect(retried).toMatchObject({ status: "READY", finishedAt: null, errors: [error("Boom")], workerIds: ["w0"] });
    expect(retried.runAfter!.getTime()).toBeGreaterThanOrEqual(before);
    const row = s.db.prepare("SELECT attempts, due_at, run_after FROM tasklane_results WHERE id = ?").get(st.failed);
    expect(row).toEqual({ attempts: 1, due_at: retried.runAfter!.getTime(), run_after: retried.runAfter!.getTime() });
    expect(ids(s.claim("w2", ALL, 10, Date.now() + 1))).toContain(st.failed); // due now
    expect(await m.retry([])).toEqual([]);
  });

  it("retryFailed retries every FAILED result matching the filter", async () => {
    const rs = Array.from({ length: 9 }, (_, i) => record({ taskName: i % 3 ? "a" : "b", queueName: "q" }, T0 + i));
    s.insert(rs);
    for (const r of rs.slice(0, 8)) finish(r.id, "FAILED", T0 + 50, [error("E")]);
    expect((await m.retryFailed({ taskNames: ["b"] })).length).toBe(3);
    expect((await m.retryFailed({ statuses: ["READY"] })).length).toBe(0);
    expect((await m.retryFailed({ queues: ["other"] })).length).toBe(0);
    expect((await m.retryFailed({ since: new Date(T0 + 5) })).length).toBe(2);
    expect((await m.retryFailed({})).length).toBe(3);
    expect((await m.retryFailed({})).length).toBe(0);
    expect(allRows().every((r) => r.status === "READY")).toBe(true);
  });

  it("retryFailed works in batches of 2000 rows", async () => {
    s.insert(Array.from({ length: 4100 }, (_, i) => record({}, T0 + i)));
    s.db.prepare("UPDATE tasklane_results SET status = 'FAILED', finished_at = ?").run(T0 + 5000);
    recount(s.db); // hand-written SQL does not keep the counts (migrations.ts, v5)
    expect(await m.countByStatus()).toMatchObject({ FAILED: 4100, READY: 0 });
    expect((await m.retryFailed({})).length).toBe(4100);
    await expectCountsExact();
    expect(await m.countByStatus()).toMatchObject({ FAILED: 0, READY: 4100 });
  });

  it("cancels READY results only, setting finishedAt", async () => {
    const st = states();
    const outcomes = await m.cancel([st.ready, st.running, st.done, st.failed, "nope", st.ready]);
    expect(outcomes).toEqual([
      { id: st.ready, ok: true, status: "READY" },
      {
        id: st.running,
        ok: false,
        status: "RUNNING",
        reason: "is RUNNING; it has already started; only READY results can be cancelled",
      },
      { id: st.done, ok: false, status: "SUCCEEDED", reason: "is SUCCEEDED; only READY results can be cancelled" },
      { id: st.failed, ok: false, status: "FAILED", reason: "is FAILED; only READY results can be cancelled" },
      { id: "nope", ok: false, reason: "no such result" },
      { id: st.ready, ok: true, status: "READY" },
    ]);
    const cancelled = s.get(st.ready)!;
    expect(cancelled.status).toBe("CANCELLED");
    expect(cancelled.finishedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(s.claim("w", ALL, 10, T0 + 100 * MIN)).toEqual([]); // nothing READY is left
  });
});

describe("prune", () => {
  const now = T0 + 100 * MIN;
  function seedAges() {
    const old = now - 60 * MIN;
    const recent = now - 5 * MIN;
    const plan: [TaskResultStatus, number | null, string, string][] = [];
    for (let i = 0; i < 60; i++) {
      const status = (["SUCCEEDED", "CANCELLED", "FAILED", "READY", "RUNNING"] as const)[i % 5]!;
      const at = status === "READY" || status === "RUNNING" ? null : i % 2 ? old : recent;
      plan.push([status, at, i % 3 ? "default" : "emails", i % 4 === 1 ? "u" : "t"]);
    }
    const rs = plan.map(([, , queueName, taskName], i) => record({ queueName, taskName }, T0 + i));
    s.insert(rs);
    plan.forEach(([status, at], i) => {
      if (status !== "READY") finish(rs[i]!.id, status, at);
    });
  }
  const opts = (fields: Partial<PruneOptions> = {}): PruneOptions => ({
    finishedBefore: new Date(now - 30 * MIN),
    failedFinishedBefore: new Date(now - 30 * MIN),
    ...fields,
  });
  const survivors = () => allRows().map((r) => `${r.status}:${r.finished_at === null ? "-" : now - r.finished_at}`);

  it("deletes old finished rows only, in batches, reporting progress; countPrunable agrees", async () => {
    seedAges();
    const before = allRows();
    const expectedGone = before.filter((r) => r.finished_at !== null && r.finished_at < now - 30 * MIN);
    expect(expectedGone).toHaveLength(18);
    expect(await m.countPrunable(opts())).toBe(18);
    const progress: [number, number][] = [];
    const deleted = await m.prune(opts({ batchSize: 4, onProgress: (d, t) => progress.push([d, t]) }));
    expect(deleted).toBe(18);
    expect(progress[0]).toEqual([0, 18]);
    expect(progress.at(-1)).toEqual([18, 18]);
    expect(progress.length).toBeGreaterThanOrEqual(1 + Math.ceil(6 / 4) * 3); // one call per batch
    for (const [d, t] of progress) expect(d).toBeLessThanOrEqual(t);
    const left = allRows();
    expect(left).toHaveLength(before.length - 18);
    expect(left.filter((r) => r.status === "READY" || r.status === "RUNNING")).toHaveLength(24);
    expect(left.every((r) => r.finished_at === null || r.finished_at >= now - 30 * MIN)).toBe(true);
    expect(await m.countPrunable(opts())).toBe(0);
    expect(await m.prune(opts())).toBe(0);
    expect(s.db.pragma("wal_autocheckpoint", { simple: true })).toBe(1000); // restored after the run
    await expectCountsExact();
  });

  it("keeps FAILED rows until failedFinishedBefore, and never touches READY or RUNNING", async () => {
    seedAges();
    const keepFailed = opts({ failedFinishedBefore: new Date(now - 90 * MIN) });
    expect(await m.countPrunable(keepFailed)).toBe(12);
    expect(await m.prune(keepFailed)).toBe(12);
    expect(survivors().filter((x) => x === `FAILED:${60 * MIN}`)).toHaveLength(6);
    // Everything finished, even just now: READY and RUNNING rows still stay.
    const all = opts({ finishedBefore: new Date(now + MIN), failedFinishedBefore: new Date(now + MIN) });
    expect(await m.countPrunable(all)).toBe(24);
    expect(await m.prune({ ...all, batchSize: 1 })).toBe(24);
    expect(
      allRows()
        .map((r) => r.status)
        .sort(),
    ).toEqual([...Array(12).fill("READY"), ...Array(12).fill("RUNNING")]);
  });

  it("respects queue and task filters", async () => {
    seedAges();
    const old = (r: Row) => r.finished_at !== null && r.finished_at < now - 30 * MIN;
    const filters: { queues?: string[]; taskNames?: string[] }[] = [
      { queues: ["emails"] },
      { taskNames: ["u"] },
      { queues: ["default"], taskNames: ["t", "u"] },
    ];
    for (const filter of filters) {
      const matches = (r: Row) =>
        (!filter.queues || filter.queues.includes(r.queue_name)) &&
        (!filter.taskNames || filter.taskNames.includes(r.task_name));
      const doomed = allRows()
        .filter((r) => matches(r) && old(r))
        .map((r) => r.id);
      expect(doomed.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(await m.countPrunable(opts(filter))).toBe(doomed.length);
      const before = allRows().length;
      expect(await m.prune(opts({ ...filter, batchSize: 2 }))).toBe(doomed.length);
      expect(allRows()).toHaveLength(before - doomed.length);
      expect(allRows().filter((r) => doomed.includes(r.id))).toEqual([]);
    }
    expect(allRows().filter(old)).toEqual([]); // the last filter covers every queue left
    await expectCountsExact();
  });
});

describe("workers and throughput", () => {
  it("lists workers, most recent heartbeat first, a silent one as dead", async () => {
    const now = Date.now();
    s.registerWorker(
      { id: "old", hostname: "h", pid: 1, queues: "*", startedAt: new Date(now - 100_000) },
      now - 90_000,
    );
    s.registerWorker({ id: "live", hostname: "h", pid: 2, queues: "a,b", startedAt: new Date(now - 5000) }, now - 1000);
    s.registerWorker({ id: "gone", hostname: "h2", pid: 3, queues: "*", startedAt: new Date(now - 9000) }, now - 2000);
    s.markWorkerStopped("gone");
    const workers = await m.workers();
    expect(workers.map((w) => [w.id, w.state])).toEqual([
      ["live", "running"],
      ["gone", "stopped"],
      ["old", "dead"],
    ]);
    expect(workers[0]).toEqual({
      id: "live",
      hostname: "h",
      pid: 2,
      queues: "a,b",
      startedAt: new Date(now - 5000),
      lastHeartbeatAt: new Date(now - 1000),
      state: "running",
    });
  });

  it("prune also forgets workers stopped before the cutoff, never running ones", async () => {
    const now = Date.now();
    const day = 86_400_000;
    for (const id of ["ancient", "recent", "alive"]) {
      s.registerWorker({ id, hostname: "h", pid: 1, queues: "*", startedAt: new Date(now - 40 * day) }, now - 40 * day);
    }
    s.markWorkerStopped("ancient", now - 40 * day);
    s.markWorkerStopped("recent", now - day);
    const cutoff = new Date(now - 30 * day);
    await m.prune({ finishedBefore: cutoff, failedFinishedBefore: cutoff, queues: ["q"] });
    expect((await m.workers()).map((w) => w.id).sort()).toEqual(["alive", "ancient", "recent"]);
    await m.prune({ finishedBefore: cutoff, failedFinishedBefore: cutoff });
    expect((await m.workers()).map((w) => w.id).sort()).toEqual(["alive", "recent"]);
  });

  it("counts finished results per minute, oldest first, zero-filled", async () => {
    const now = Date.now();
    const at = [now - 30_000, now - 40_000, now - 90_000, now - 9 * MIN - 30_000, now - 11 * MIN, now - 20_000];
    const rs = at.map((_, i) => record({}, T0 + i));
    s.insert(rs);
    at.forEach((t, i) => {
      finish(rs[i]!.id, i === 5 ? "CANCELLED" : i === 4 ? "FAILED" : "SUCCEEDED", t);
    });
    s.insert([record({}, T0 + 10)]); // READY: not finished
    expect(await m.throughput(10)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1, 3]);
    expect(await m.throughput(1)).toEqual([3]);
    expect(await m.throughput(0)).toEqual([]);
  });
});

describe("throughput from completions", () => {
  it("counts each completion in its 10-second slot, keeps an hour of slots, and is not undone by prune or retry", async () => {
    const now = Date.now();
    const rs = Array.from({ length: 5 }, () => record({ taskName: "t" }));
    s.insert(rs);
    const claimed = s.claim("w", ALL, 5, now + 1000); // past their enqueue (a ms after `now`)
    const done = (r: TaskResultData, at: number, status: "SUCCEEDED" | "FAILED") =>
      s.complete([{ id: r.id, workerId: "w", attempt: r.workerIds.length, finishedAt: new Date(at), status }]);
    // An old completion (2 h ago), then recent ones: the group's next completion drops old slots.
    done(claimed[0]!, now - 120 * MIN, "SUCCEEDED");
    const slots = () =>
      s.db.prepare(`SELECT count(*) FROM tasklane_counts WHERE slot < ${TOTAL_SLOT}`).pluck().get() as number;
    expect(slots()).toBe(1);
    done(claimed[1]!, now - 30_000, "SUCCEEDED");
    expect(slots()).toBe(1); // the 2-hour-old slot is gone
    done(claimed[2]!, now - 20_000, "SUCCEEDED");
    done(claimed[3]!, now - 90_000, "FAILED");
    done(claimed[4]!, now - 4.5 * MIN, "SUCCEEDED");
    expect(await m.throughput(10)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 1, 2]);
    // Completions happened, whatever becomes of their rows.
    await m.retry([claimed[3]!.id]);
    await m.prune({ finishedBefore: new Date(now + MIN), failedFinishedBefore: new Date(now + MIN) });
    expect(await m.countByStatus()).toMatchObject({ SUCCEEDED: 0, FAILED: 0 });
    expect(await m.throughput(10)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 1, 2]);
    await expectCountsExact();
  });
});

describe("query plans", () => {
  it("walk indexes in order: no table scan and no temporary sort (with and without ANALYZE)", () => {
    seedMix(3000);
    const params: Record<string, unknown> = {
      queue: "default",
      status: "SUCCEEDED",
      task: "send",
      tasks: '["send"]',
      statuses: null,
      queues: null,
      since: 0,
      beforeAt: 1,
      beforeSeq: 1,
      limit: 21,
      seqs: "[1,2]",
      ids: '["a"]',
      after: "a",
      from: 0,
      to: 1,
      minutes: 30,
      before: 1,
      afterAt: 0,
      afterSeq: 0,
      fragment: "abc",
      length: 3,
      id: "x",
      now: 1,
      grants: "{}",
      waiting: null,
      exceptionClass: "E",
      frame: null,
    };
    const plan = (sql: string) =>
      (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join("\n");
    const check = () => {
      const expectIndex: [string, RegExp][] = [
        [SQL.walkPair, /COVERING INDEX tasklane_results_queue_task \(queue_name=\? AND task_name=\? AND enqueued_at/],
        [SQL.walkFailed, /COVERING INDEX tasklane_results_failed \(status=\? AND queue_name=\? AND enqueued_at/],
        [SQL.walkFailedTasks, /INDEX tasklane_results_failed \(status=\? AND queue_name=\? AND enqueued_at/],
        [SQL.walkReadyByPair, /INDEX tasklane_results_queue_task \(queue_name=\? AND task_name=\? AND enqueued_at/],
        [SQL.walkWaitingByPair, /INDEX tasklane_results_queue_task \(queue_name=\? AND task_name=\? AND enqueued_at/],
        [SQL.walkTask, /INDEX tasklane_results_queue_task \(queue_name=\? AND task_name=\? AND enqueued_at/],
        [SQL.countReady, /COVERING INDEX tasklane_results_active \(queue_name=\? AND status=\?\)/],
        [SQL.countRunning, /COVERING INDEX tasklane_results_active \(queue_name=\? AND status=\?\)/],
        [SQL.readyUpTo, /COVERING INDEX tasklane_results_active \(queue_name=\? AND status=\?\)/],
        [SQL.oldestReady, /COVERING INDEX tasklane_results_active \(queue_name=\? AND status=\?\)/],
        [SQL.nextQueue, /COVERING INDEX tasklane_results_queue_task \(queue_name>\?\)/],
        [SQL.firstTask, /COVERING INDEX tasklane_results_queue_task \(queue_name=\?\)/],
        [SQL.nextTask, /COVERING INDEX tasklane_results_queue_task \(queue_name=\? AND task_name>\?\)/],
        [SQL.countSinceFailed, /INDEX tasklane_results_failed \(status=\? AND queue_name=\? AND enqueued_at>\?\)/],
        [
          SQL.countSincePair,
          /COVERING INDEX tasklane_results_queue_task \(queue_name=\? AND task_name=\? AND enqueued_at>\?\)/,
        ],
        [SQL.countSinceReady, /INDEX tasklane_results_active \(queue_name=\? AND status=\?\)/],
        [SQL.countSinceRunning, /INDEX tasklane_results_active \(queue_name=\? AND status=\?\)/],
        [SQL.countSinceTask, /INDEX tasklane_results_queue_task \(queue_name=\? AND task_name=\? AND enqueued_at>\?\)/],
        [SQL.idRange, /INDEX sqlite_autoindex_tasklane_results_1 \(id>\? AND id<\?\)/],
        [SQL.failedSeqs, /INDEX tasklane_results_failed \(status=\?\)/],
        [SQL.rowsBySeq, /USING INTEGER PRIMARY KEY \(rowid=\?\)/],
        // With statistics the planner skip-scans the queues (ANY): a search either way.
        [PRUNE_SQL.count, /INDEX tasklane_results_failed \((status=\?|ANY\(status\))/],
        [
          PRUNE_SQL.keys,
          /INDEX tasklane_results_failed \(status=\? AND queue_name=\? AND enqueued_at>\? AND enqueued_at<\?\)/,
        ],
        [
          PRUNE_SQL.pairRange,
          /COVERING INDEX tasklane_results_queue_task \(queue_name=\? AND task_name=\? AND enqueued_at<\?\)/,
        ],
        [
          PRUNE_SQL.countPair,
          /INDEX tasklane_results_queue_task \(queue_name=\? AND task_name=\? AND enqueued_at<\?\)/,
        ],
        [
          PRUNE_SQL.keysPair,
          /INDEX tasklane_results_queue_task \(queue_name=\? AND task_name=\? AND enqueued_at>\? AND enqueued_at<\?\)/,
        ],
        [PRUNE_SQL.delete, /USING INTEGER PRIMARY KEY \(rowid=\?\)/],
        [SQL.retrySeqs, /USING INTEGER PRIMARY KEY \(rowid=\?\)/],
        [SQL.retry, /USING INDEX sqlite_autoindex_tasklane_results_1 \(id=\?\)/],
        [SQL.cancel, /USING INDEX sqlite_autoindex_tasklane_results_1 \(id=\?\)/],
      ];
      // Sorted on purpose (migrations.ts, v6, v7): one queue's RUNNING rows, a few, and its READY rows
      // while there are at most READY_SORTED_MAX of them (manage-walks.ts checks first).
      for (const sql of [SQL.walkReady, SQL.walkWaiting, SQL.walkRunning]) {
        expect(plan(sql), sql).toMatch(/INDEX tasklane_results_active \(queue_name=\? AND status=\?\)/);
        expect(plan(sql), sql).not.toMatch(/SCAN tasklane_results/);
      }
      // Throughput reads the counts table's recent slots, never the results.
      expect(plan(SQL.throughput)).not.toMatch(/tasklane_results/);
      for (const [sql, index] of expectIndex) {
        const p = plan(sql);
        expect(p, sql).toMatch(index);
        expect(p, sql).not.toMatch(
          /SCAN tasklane_results(?! USING COVERING INDEX sqlite_autoindex)|TEMP B-TREE FOR ORDER BY/,
        );
      }
      // A first prune of a long history counts its SUCCEEDED rows in one pass over the table
      // (manage-prune.ts): in rowid order, never sorted.
      expect(plan(PRUNE_SQL.countScan)).toMatch(/^SCAN tasklane_results/);
      expect(plan(PRUNE_SQL.countScan)).not.toMatch(/TEMP B-TREE/);
      // The one deliberate scan of a listing: "ends with" on ids, over the small id index (never the table).
      expect(plan(SQL.idSuffix)).toMatch(
        /^SCAN tasklane_results USING COVERING INDEX sqlite_autoindex_tasklane_results_1$/,
      );
      // Error groups read FAILED rows through the index, then sort the few groups they make.
      expect(plan(SQL.errorGroups)).toMatch(/INDEX tasklane_results_failed \(status=\?\)/);
      expect(plan(SQL.errorGroups)).not.toMatch(/SCAN tasklane_results/);
    };
    check();
    s.db.exec("ANALYZE");
    check();
  });
});

describe("schema v2", () => {
  it("migrates a v1 file holding rows, backfilling the counts", async () => {
    const path = join(dir, "v1.sqlite3");
    const raw = new Database(path);
    raw.exec(MIGRATIONS[0]!);
    raw.pragma("user_version = 1");
    const insert = raw.prepare(`INSERT INTO tasklane_results
      (id, task_name, status, queue_name, due_at, enqueued_at, finished_at, errors) VALUES (?, ?, ?, ?, 0, ?, ?, ?)`);
    const statuses: TaskResultStatus[] = ["READY", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "SUCCEEDED"];
    for (let i = 0; i < 60; i++) {
      const status = statuses[i % statuses.length]!;
      const finished = status === "READY" || status === "RUNNING" ? null : T0 + i;
      const errors = status === "FAILED" ? JSON.stringify([error("E")]) : "[]";
      insert.run(`id-${String(i).padStart(3, "0")}`, `t${i % 4}`, status, `q${i % 3}`, T0 + i, finished, errors);
    }
    raw.close();

    s = openStore(path);
    opened.push(s);
    m = new SqliteManagement(s);
    expect(s.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(9);
    await expectCountsExact();
    expect(await m.countByStatus()).toEqual({ READY: 10, RUNNING: 10, SUCCEEDED: 20, FAILED: 10, CANCELLED: 10 });
    const perQueue = await m.countByQueue();
    expect(perQueue.map((q) => [q.queueName, q.counts.READY, q.counts.SUCCEEDED])).toEqual([
      ["q0", 10, 0],
      ["q1", 0, 0],
      ["q2", 0, 20],
    ]);
    expect(perQueue[0]!.oldestReadyAt).toEqual(new Date(T0));
    expect((await m.errorGroups({})).map((g) => [g.taskName, g.count])).toEqual([
      ["t1", 5],
      ["t3", 5],
    ]);
    const pages = await allPages({}, 7);
    expect(pages.flat()).toEqual(expected({}));
  });
});

describe("SqliteBackend.management()", () => {
  it("returns one object that follows the store across close()", async () => {
    const backend = openBackend(join(dir, "backend.sqlite3"));
    opened.push(backend);
    const manage = backend.management();
    expect(backend.management()).toBe(manage);
    backend.store.insert([record({ taskName: "x" }, T0)]);
    expect(await manage.countByStatus()).toMatchObject({ READY: 1 });
    await backend.close();
    expect((await manage.listResults({ limit: 5 })).results.map((r) => r.taskName)).toEqual(["x"]);
  });
});
