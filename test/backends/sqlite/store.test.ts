import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LeaseRecovery } from "../../../src/backends/sqlite/recovery.js";
import { SCHEMA_VERSION } from "../../../src/backends/sqlite/schema.js";
import { SELECT_EXPIRED, SELECT_OWN } from "../../../src/backends/sqlite/sql/recover.js";
import { EXTEND_LEASES } from "../../../src/backends/sqlite/sql/workers.js";
import type { SqliteStore } from "../../../src/backends/sqlite/store.js";
import type { EnqueueRequest } from "../../../src/contract/backend.js";
import type { AttemptOutcome } from "../../../src/contract/worker-store.js";
import { ConfigError, TaskResultDoesNotExist } from "../../../src/core/errors.js";
import type { TaskResultData } from "../../../src/core/result.js";
import { task } from "../../../src/core/task.js";
import { ALL, only, openBackend, openStore, ROOT, record, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
let dbPath: string;
const opened: { close(): unknown }[] = [];

function store(path = dbPath): SqliteStore {
  const s = openStore(path);
  opened.push(s);
  return s;
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  dbPath = join(dir, "nested", "folder", "tasks.sqlite3");
});

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
  cleanup();
});

const ids = (records: TaskResultData[]) => records.map((r) => r.id);

describe("records", () => {
  it("round-trips every TaskResultData field, across backends on the same file", async () => {
    const backend = openBackend(dbPath);
    const other = openBackend(dbPath, "other");
    opened.push(backend, other);
    const t = task(() => null);
    const args = [1, "two", { a: [true, null, 3.5], "ü ✓": "\u0000\n" }, [], -0.25];
    const runAfter = new Date(Date.now() - 60_000);
    const [enqueued] = await backend.enqueueMany(t, [
      { taskName: "report", args, queueName: "emails", priority: 7, runAfter, maxAttempts: 3 },
    ]);
    const fresh = enqueued!.toData();
    expect(fresh).toEqual({
      id: expect.any(String),
      taskName: "report",
      status: "READY",
      args,
      backend: "default",
      queueName: "emails",
      priority: 7,
      runAfter,
      enqueuedAt: expect.any(Date),
      startedAt: null,
      finishedAt: null,
      lastAttemptedAt: null,
      workerIds: [],
      errors: [],
      maxAttempts: 3,
      timeoutMs: null,
      uniqueKey: null,
      concurrencyKey: null,
      schedule: null,
    });
    // What enqueue returned (built in JS, not re-read) is what the database holds.
    expect(await backend.getResultData(fresh.id)).toEqual(fresh);
    expect(await other.getResultData(fresh.id)).toEqual({ ...fresh, backend: "other" });
    expect(fresh.id.length).toBeLessThanOrEqual(64);

    const worker = backend.workerStore();
    const {
      claimed: [running],
    } = await worker.claim("w1", only("emails"), 1);
    expect(running).toMatchObject({ id: fresh.id, status: "RUNNING", workerIds: ["w1"] });
    const t1 = running!.startedAt!;
    expect(running!.lastAttemptedAt).toEqual(t1);

    const error = {
      exceptionClass: "TypeError",
      message: "boom ✗",
      traceback: "TypeError: boom ✗\n    at x (y.ts:1:2)",
    };
    const retryAt = new Date(Date.now() - 1000);
    await worker.complete([
      { id: fresh.id, workerId: "w1", attempt: 1, finishedAt: new Date(), status: "FAILED", error, retryAt },
    ]);
    const retrying = await other.getResultData(fresh.id);
    expect(retrying).toMatchObject({ status: "READY", runAfter: retryAt, errors: [error], finishedAt: null });
    expect("returnValue" in retrying).toBe(false);

    const {
      claimed: [again],
    } = await worker.claim("w2", ALL, 5);
    expect(again!.workerIds).toEqual(["w1", "w2"]);
    expect(again!.startedAt).toEqual(t1); // the first run's start is kept
    const finishedAt = new Date(Date.now() + 5);
    const returnValue = { sent: true, to: ["a@b"], n: 1.5, nothing: null };
    await worker.complete([{ id: fresh.id, workerId: "w2", attempt: 2, finishedAt, status: "SUCCEEDED", returnValue }]);

    const done = await other.getResultData(fresh.id);
    expect(done).toEqual({
      ...fresh,
      backend: "other",
      status: "SUCCEEDED",
      runAfter: retryAt,
      startedAt: t1,
      lastAttemptedAt: again!.lastAttemptedAt,
      finishedAt,
      workerIds: ["w1", "w2"],
      errors: [error],
      returnValue,
    });
    const result = await other.getResult(fresh.id);
    expect(result.attempts).toBe(2);
    expect(result.returnValue).toEqual(returnValue);
    expect(result.isFinished).toBe(true);
  });

  it("is readable by another process with plain better-sqlite3", async () => {
    const s = store();
    const r = record({ taskName: "mail", args: [{ to: "x" }], queueName: "emails", priority: -3 });
    s.insert([r]);
    const script = `
      const Database = require("better-sqlite3");
      const db = new Database(process.argv[1], { readonly: true });
      process.stdout.write(JSON.stringify(db.prepare("SELECT * FROM tasklane_results WHERE id = ?").get(process.argv[2])));`;
    const { stdout } = await execa("node", ["-e", script, dbPath, r.id], { cwd: ROOT });
    expect(JSON.parse(stdout)).toMatchObject({
      id: r.id,
      task_name: "mail",
      status: "READY",
      args: '[{"to":"x"}]',
      queue_name: "emails",
      priority: -3,
      run_after: null,
      due_at: r.enqueuedAt.getTime(),
      enqueued_at: r.enqueuedAt.getTime(),
      worker_ids: "[]",
      errors: "[]",
      attempts: 0,
      max_attempts: 1,
    });
  });

  it("enqueues many in one call and throws TaskResultDoesNotExist for an unknown id", async () => {
    const backend = openBackend(dbPath);
    opened.push(backend);
    const requests = Array.from({ length: 50 }, (_, i) => ({
      taskName: "t",
      args: [i],
      queueName: "default",
      priority: 0,
      runAfter: null,
      maxAttempts: 1,
    }));
    const results = await backend.enqueueMany(
      task(() => null),
      requests,
    );
    expect(results.map((r) => r.args[0])).toEqual(requests.map((_, i) => i));
    expect((await backend.getResult(results[49]!.id)).args).toEqual([49]);
    await expect(backend.getResultData("nope")).rejects.toBeInstanceOf(TaskResultDoesNotExist);
    expect(backend.describeLocation()).toBe(dbPath);
    expect(backend.workerStore()).toBe(backend.workerStore());
  });

  it("stores a batch 100, 10 and 1 rows a statement, shared, plain or not: every field of every row as given, rowids in the batch's order", () => {
    const s = store();
    // 237 = 2 × 100 + 3 × 10 + 7: every statement size, each row with fields of its own.
    const requests: EnqueueRequest[] = Array.from({ length: 237 }, (_, i) => ({
      taskName: `t${i % 7}`,
      args: [i, { nested: `x${i}` }],
      queueName: `q${i % 3}`,
      priority: i % 5,
      runAfter: i % 4 === 0 ? new Date(2_000_000 + i) : null,
      maxAttempts: 1 + (i % 3),
      timeoutMs: i % 2 === 0 ? 1000 + i : null,
      concurrency: i % 6 === 0 ? { key: `k${i}`, limit: 2 } : undefined,
    }));
    const records = requests.map((request, i) => record(request, 1_000_000 + i));
    s.insert(records, requests);
    for (const r of records) expect(s.get(r.id)).toEqual(r);
    const inOrder = s.db.prepare("SELECT id FROM tasklane_results ORDER BY seq").pluck().all();
    expect(inOrder).toEqual(ids(records));
    const limits = s.db.prepare("SELECT concurrency_key, concurrency_limit FROM tasklane_results WHERE seq = 1").get();
    expect(limits).toEqual({ concurrency_key: "k0", concurrency_limit: 2 });

    // Groups of rows with none of the optional settings bind only the values they set.
    const plain = Array.from({ length: 111 }, (_, i) =>
      record(
        { args: [i], queueName: `p${i % 2}`, priority: (i % 3) - 1, runAfter: i % 5 ? null : new Date(3_000_000 + i) },
        2_000_000 + i,
      ),
    );
    s.insert(plain);
    for (const r of plain) expect(s.get(r.id)).toEqual(r);
    expect(s.db.prepare("SELECT id FROM tasklane_results WHERE seq > 237 ORDER BY seq").pluck().all()).toEqual(
      ids(plain),
    );

    // Rows alike but for id and args (one enqueueMany call) bind those and share the rest; a group
    // where one row differs (here row 150 by its priority, row 205 by its queue) falls back to plain.
    const alike = (i: number, over: Partial<EnqueueRequest> = {}) =>
      record({ args: [i, `a${i}`], queueName: "alike", priority: 3, ...over }, 3_000_000);
    const shared = Array.from({ length: 237 }, (_, i) =>
      i === 150 ? alike(i, { priority: 4 }) : i === 205 ? alike(i, { queueName: "other" }) : alike(i),
    );
    s.insert(shared);
    for (const r of shared) expect(s.get(r.id)).toEqual(r);
    expect(s.db.prepare("SELECT id FROM tasklane_results WHERE seq > 348 ORDER BY seq").pluck().all()).toEqual(
      ids(shared),
    );
  });

  it("reopens after close()", async () => {
    const backend = openBackend(dbPath);
    opened.push(backend);
    const [r] = await backend.enqueueMany(
      task(() => null),
      [{ taskName: "t", args: [], queueName: "q", priority: 0, runAfter: null, maxAttempts: 1 }],
    );
    await backend.close();
    expect((await backend.getResultData(r!.id)).id).toBe(r!.id);
  });

  it("a worker's connection keeps its small page cache when the store reopens mid-run", async () => {
    const backend = openBackend(dbPath);
    opened.push(backend);
    const cacheSize = () => backend.store.db.pragma("cache_size", { simple: true });
    const defaultSize = cacheSize();
    const worker = backend.workerStore();
    await worker.registerWorker({ id: "w1", hostname: "h", pid: process.pid, queues: "*", startedAt: new Date() });
    expect(cacheSize()).toBe(-500);
    expect(defaultSize).not.toBe(-500);
    await backend.close(); // the next use opens a new connection
    expect(cacheSize()).toBe(defaultSize);
    await worker.claim("w1", ALL, 1);
    expect(cacheSize()).toBe(-500);
    await worker.markWorkerStopped("w1");
  });
});

describe("claim order", () => {
  it("takes priority desc, then due time (runAfter, else enqueue time), then FIFO", () => {
    const s = store();
    const low = record({ priority: -5 }, 1000);
    const a = record({}, 1000);
    const high = record({ priority: 10 }, 1003);
    const early = record({}, 999);
    const deferredPast = record({ runAfter: new Date(500) }, 1002);
    const deferredFuture = record({ runAfter: new Date(5000) }, 1001);
    const sameMs1 = record({}, 1000);
    const sameMs2 = record({}, 1000);
    s.insert([low, a, high, early, deferredPast, deferredFuture]);
    s.insert([sameMs1]);
    s.insert([sameMs2]);
    const expected = [high, deferredPast, early, a, sameMs1, sameMs2, low].map((r) => r.id);

    const claimed = s.claim("w", ALL, 100, 2000);
    expect(ids(claimed)).toEqual(expected);
    // Not yet due: left alone until its time, and nextDueInMs says when.
    expect(s.claim("w", ALL, 100, 4999)).toEqual([]);
    expect(s.nextDueInMs(ALL, 4999)).toBe(1);
    expect(ids(s.claim("w", ALL, 100, 5000))).toEqual([deferredFuture.id]);
    expect(s.nextDueInMs(ALL, 5000)).toBeNull();
  });

  it("gives the same order one claim at a time", () => {
    const s = store();
    const records = Array.from({ length: 30 }, (_, i) =>
      record({ priority: (i * 7) % 5, runAfter: i % 4 === 0 ? new Date(1000 + i) : null }, 1000 + ((i * 13) % 17)),
    );
    s.insert(records);
    const batch = openStore(join(dir, "copy.sqlite3"));
    opened.push(batch);
    batch.insert(records);
    const oneByOne: string[] = [];
    for (let r = s.claim("w", ALL, 1, 10_000); r.length > 0; r = s.claim("w", ALL, 1, 10_000)) oneByOne.push(r[0]!.id);
    expect(oneByOne).toEqual(ids(batch.claim("w", ALL, 100, 10_000)));
    expect(oneByOne).toHaveLength(30);
  });

  it("selects queues: one, a list (merged in claim order), *, * with excludes", () => {
    const a1 = record({ queueName: "a", priority: 1 }, 1);
    const aLow = record({ queueName: "a", priority: -1 }, 2);
    const b = record({ queueName: "b", priority: 50 }, 3);
    const c5 = record({ queueName: "c", priority: 5 }, 4);
    const c0 = record({ queueName: "c" }, 5);
    const all = [a1, aLow, b, c5, c0];
    const fresh = (name: string) => {
      const st = openStore(join(dir, `${name}.sqlite3`));
      opened.push(st);
      st.insert(all);
      return st;
    };
    expect(ids(fresh("one").claim("w", only("a"), 10, 100))).toEqual([a1.id, aLow.id]);
    expect(ids(fresh("list").claim("w", only("a", "c", "a"), 10, 100))).toEqual([c5.id, a1.id, c0.id, aLow.id]);
    expect(ids(fresh("list2").claim("w", only("c", "a"), 2, 100))).toEqual([c5.id, a1.id]);
    expect(ids(fresh("none").claim("w", only(), 10, 100))).toEqual([]);
    expect(ids(fresh("missing").claim("w", only("zzz"), 10, 100))).toEqual([]);
    expect(ids(fresh("star").claim("w", ALL, 10, 100))).toEqual([b.id, c5.id, a1.id, c0.id, aLow.id]);
    expect(ids(fresh("except").claim("w", { include: "*", exclude: ["c", "b"] }, 10, 100))).toEqual([a1.id, aLow.id]);

    const d = fresh("due");
    expect(d.nextDueInMs(only("a", "c"), 100)).toBe(0);
    expect(d.nextDueInMs(only("zzz"), 100)).toBeNull();
    expect(d.nextDueInMs({ include: "*", exclude: ["a", "b", "c"] }, 100)).toBeNull();
  });

  it("a claim of * after a full one still sees a queue that gained work since: another connection's, a retry, a recovery", () => {
    const s = store();
    s.insert([record({ queueName: "a" }, 1), record({ queueName: "a" }, 2), record({ queueName: "a" }, 3)]);
    expect(s.claim("w", ALL, 1, 100)).toHaveLength(1); // full: the next claim may reuse its list of queues
    const other = store();
    const fromOther = record({ queueName: "b", priority: 9 }, 4);
    other.insert([fromOther]);
    expect(ids(s.claim("w", ALL, 1, 100))).toEqual([fromOther.id]);

    // A retry recorded in the claim's own transaction, due before anything else, in a queue
    // the last claim's list did not have (its one task was RUNNING then).
    s.insert([record({ queueName: "c", maxAttempts: 2 }, 5)]);
    const [c] = s.claim("w", only("c"), 1, 100);
    expect(s.claim("w", ALL, 1, 100)).toHaveLength(1); // a's second; full
    const retried = s.claimAndComplete("w", ALL, 1, 100, [
      { id: c!.id, workerId: "w", attempt: 1, finishedAt: new Date(100), status: "FAILED", retryAt: new Date(0) },
    ]);
    expect(ids(retried.claimed)).toEqual([c!.id]);

    // A recovery on this connection makes a lost task READY again, in queue d.
    const lost = record({ queueName: "d", priority: 9 }, 6);
    s.insert([lost, record({ queueName: "e" }, 7)]);
    expect(ids(s.claim("dead", only("d"), 1, 100))).toEqual([lost.id]);
    expect(s.claim("w", ALL, 1, 100)).toHaveLength(1); // a's third; full
    const leases = new LeaseRecovery(s.db, s.statements, s.leaseMs, () => s.changedLocally());
    expect(leases.recoverOwn("dead", () => new Date(0))).toEqual([{ id: lost.id, status: "READY" }]);
    expect(ids(s.claim("w", ALL, 1, Date.now() + 60_000))).toEqual([lost.id]);
  });

  it("nextDueInMs reports the earliest deferred task of the selected queues", () => {
    const s = store();
    s.insert([
      record({ queueName: "a", runAfter: new Date(9000), priority: 100 }, 1),
      record({ queueName: "a", runAfter: new Date(7000), priority: -100 }, 1),
      record({ queueName: "b", runAfter: new Date(3000) }, 1),
    ]);
    expect(s.nextDueInMs(only("a"), 1000)).toBe(6000);
    expect(s.nextDueInMs(only("a", "b"), 1000)).toBe(2000);
    expect(s.nextDueInMs(ALL, 1000)).toBe(2000);
    expect(s.nextDueInMs({ include: "*", exclude: ["b"] }, 1000)).toBe(6000);
    expect(s.nextDueInMs(only("b"), 4000)).toBe(0);
  });
});

describe("complete", () => {
  const error = { exceptionClass: "Error", message: "no", traceback: "Error: no\n  at f" };
  const outcome = (id: string, workerId: string, fields: Partial<AttemptOutcome>): AttemptOutcome => ({
    id,
    workerId,
    attempt: 1,
    finishedAt: new Date(4242),
    status: "SUCCEEDED",
    ...fields,
  });

  it("a claimed record is the stored row as get() reads it, on its second attempt with every field set", () => {
    const s = store();
    const fields = {
      taskName: "report",
      args: [1, "two", { a: [true, null] }],
      queueName: "emails",
      priority: 7,
      runAfter: new Date(500),
      maxAttempts: 3,
      timeoutMs: 2500,
      unique: { key: "k", scope: "active" as const, until: null },
      concurrency: { key: "tenant", limit: 2 },
      schedule: "nightly",
    };
    const stored = record(fields, 100);
    s.insert([stored], [fields]);
    s.claim("w1", ALL, 1, 1000);
    s.complete([outcome(stored.id, "w1", { status: "FAILED", error, retryAt: new Date(1500) })]);
    const [claimed] = s.claim("w2", ALL, 1, 2000);
    expect(claimed).toEqual(s.get(stored.id));
    expect(claimed).toMatchObject({
      status: "RUNNING",
      runAfter: new Date(1500),
      startedAt: new Date(1000),
      lastAttemptedAt: new Date(2000),
      workerIds: ["w1", "w2"],
      errors: [error],
      uniqueKey: "k",
      concurrencyKey: "tenant",
      schedule: "nightly",
      timeoutMs: 2500,
    });
  });

  it("a claimed record is the stored row as get() reads it when one queue's candidates are read whole (first and second attempts, batches)", () => {
    const s = store();
    const fields = {
      taskName: "report",
      args: [1],
      queueName: "emails",
      priority: 7,
      runAfter: null,
      maxAttempts: 3,
      timeoutMs: 2500,
    };
    const rows = Array.from({ length: 6 }, (_, i) => record({ ...fields, args: [i] }, 100 + i));
    s.insert(
      rows,
      rows.map(() => fields),
    );
    // One queue named, then `*` when that queue is the only one with READY rows.
    const first = s.claim("w1", only("emails"), 3, 1000);
    expect(first.map((r) => r.id)).toEqual(rows.slice(0, 3).map((r) => r.id));
    for (const claimed of first) expect(claimed).toEqual(s.get(claimed.id));
    s.complete(first.map((r) => outcome(r.id, "w1", { status: "FAILED", error, retryAt: new Date(1500) })));
    const second = s.claim("w2", ALL, 6, 2000);
    expect(second.map((r) => r.workerIds)).toEqual([[], [], [], ["w1"], ["w1"], ["w1"]].map((w) => [...w, "w2"]));
    for (const claimed of second) {
      expect(claimed).toEqual(s.get(claimed.id));
      expect(claimed).toMatchObject({ status: "RUNNING", lastAttemptedAt: new Date(2000) });
    }
    expect(second[3]?.startedAt).toEqual(new Date(1000));
    expect(second[0]?.startedAt).toEqual(new Date(2000));
  });

  it("records success, failure and retry-to-READY in one transaction", () => {
    const s = store();
    const [ok, bad, again] = [record({}, 1), record({}, 2), record({}, 3)];
    s.insert([ok!, bad!, again!]);
    s.claim("w", ALL, 3, 1000);
    const dropped = s.complete([
      outcome(ok!.id, "w", { returnValue: [1, { x: "y" }] }),
      outcome(bad!.id, "w", { status: "FAILED", error }),
      outcome(again!.id, "w", { status: "FAILED", error, retryAt: new Date(9000) }),
    ]);
    expect(dropped).toEqual([]); // all three recorded
    expect(s.get(ok!.id)).toMatchObject({
      status: "SUCCEEDED",
      returnValue: [1, { x: "y" }],
      finishedAt: new Date(4242),
    });
    const failed = s.get(bad!.id)!;
    expect(failed).toMatchObject({ status: "FAILED", errors: [error], finishedAt: new Date(4242) });
    expect("returnValue" in failed).toBe(false);
    expect(s.get(again!.id)).toMatchObject({
      status: "READY",
      runAfter: new Date(9000),
      errors: [error],
      finishedAt: null,
    });
    const row = s.db.prepare("SELECT worker_id, lease_expires_at, due_at, attempts FROM tasklane_results WHERE id = ?");
    expect(row.get(again!.id)).toEqual({ worker_id: null, lease_expires_at: null, due_at: 9000, attempts: 1 });
    expect(row.get(ok!.id)).toMatchObject({ worker_id: null, lease_expires_at: null });

    // The retry is claimable once due, and a second failure appends a second error.
    expect(s.claim("w2", ALL, 5, 8999)).toEqual([]);
    const [retried] = s.claim("w2", ALL, 5, 9000);
    expect(retried!.workerIds).toEqual(["w", "w2"]);
    s.complete([outcome(again!.id, "w2", { attempt: 2, status: "FAILED", error: { ...error, message: "again" } })]);
    expect(s.get(again!.id)!.errors.map((e) => e.message)).toEqual(["no", "again"]);
    expect(row.get(again!.id)).toMatchObject({ attempts: 2 });
  });

  it("a stale worker cannot overwrite a task it no longer holds", () => {
    const s = store();
    const r = record({}, 1);
    s.insert([r]);
    expect(s.complete([outcome(r.id, "w", {})])).toEqual([r.id]); // dropped: still READY
    s.claim("w1", ALL, 1, 1000);
    expect(s.complete([outcome(r.id, "w0", { status: "FAILED", error })])).toEqual([r.id]);
    expect(s.get(r.id)).toMatchObject({ status: "RUNNING", errors: [] });
    expect(s.complete([outcome(r.id, "w1", { returnValue: 1 })])).toEqual([]);
    expect(s.complete([outcome(r.id, "w1", { status: "FAILED", error })])).toEqual([r.id]); // already finished
    expect(s.get(r.id)).toMatchObject({ status: "SUCCEEDED", returnValue: 1, errors: [] });
  });

  it("an earlier run's late end never finishes the run the same worker claimed again", () => {
    // A worker whose heartbeats failed (a full disk) has its task taken back and may claim it
    // again while the first run is still going: the first run's end must not end the second.
    const s = store();
    const r = record({ maxAttempts: 3 }, 1);
    s.insert([r]);
    s.claim("w1", ALL, 1, 1000);
    const recovered = new LeaseRecovery(s.db, s.statements, s.leaseMs).recoverExpired(
      () => new Date(1000),
      1000 + s.leaseMs + 1,
    );
    expect(recovered.map((t) => t.status)).toEqual(["READY"]);
    const [second] = s.claim("w1", ALL, 1, 1000 + s.leaseMs + 2);
    expect(second!.workerIds).toEqual(["w1", "w1"]);
    expect(s.complete([outcome(r.id, "w1", { attempt: 1, returnValue: "first run" })])).toEqual([r.id]);
    expect(s.get(r.id)).toMatchObject({ status: "RUNNING", workerIds: ["w1", "w1"] });
    expect(s.complete([outcome(r.id, "w1", { attempt: 2, returnValue: "second run" })])).toEqual([]);
    expect(s.get(r.id)).toMatchObject({ status: "SUCCEEDED", returnValue: "second run" });
  });

  it("stores a leased claim and extends the lease on heartbeat", () => {
    const s = store();
    s.insert([record({}, 1), record({}, 2)]);
    s.registerWorker({ id: "w", hostname: "h", pid: 12, queues: "*", startedAt: new Date(500) }, 600);
    s.claim("w", ALL, 2, 1000);
    const leases = s.db.prepare("SELECT DISTINCT lease_expires_at FROM tasklane_results").pluck();
    expect(leases.all()).toEqual([1000 + s.leaseMs]);
    s.heartbeat("w", 2000);
    expect(leases.all()).toEqual([2000 + s.leaseMs]);
    const worker = s.db.prepare("SELECT * FROM tasklane_workers WHERE id = 'w'");
    expect(worker.get()).toEqual({
      id: "w",
      hostname: "h",
      pid: 12,
      queues: "*",
      started_at: 500,
      last_heartbeat_at: 2000,
      state: "running",
      stopped_at: null,
      // no process identity given: this worker is recovered by its lease only
      proc_key: null,
      proc_start: null,
    });
    s.markWorkerStopped("w", 3000);
    expect(worker.get()).toMatchObject({ state: "stopped", stopped_at: 3000 });
    s.registerWorker({ id: "w", hostname: "h2", pid: 13, queues: "a", startedAt: new Date(4000) }, 4000);
    expect(worker.get()).toMatchObject({ hostname: "h2", pid: 13, state: "running", stopped_at: null });
  });
});

describe("query plans", () => {
  it("claims through the partial index of unfinished rows with no temporary sort (10k READY rows)", () => {
    const s = store();
    const records = Array.from({ length: 12_000 }, (_, i) =>
      record({ queueName: `q${i % 4}`, priority: (i % 21) - 10, runAfter: i % 5 === 0 ? new Date(i) : null }, i),
    );
    s.insert(records);
    s.claim("w", ALL, 2000, 1_000_000); // some RUNNING rows as well, 10k READY left
    const check = () => {
      const plan = s.explainClaim();
      expect(plan.select.join("\n")).toMatch(
        /USING COVERING INDEX tasklane_results_active \(queue_name=\? AND status=\?\)/,
      );
      // From one queue the candidates are read whole (CLAIM_ROWS): the same walk, reading rows.
      expect(plan.select.join("\n")).toMatch(/USING INDEX tasklane_results_active \(queue_name=\? AND status=\?\)/);
      // `*` is served queue by queue (schema v4): the READY queues come from a skip-scan, never a scan.
      expect(plan.queues.join("\n")).toMatch(/tasklane_results_active/);
      expect(plan.queues.join("\n")).not.toMatch(/SCAN tasklane_results/);
      expect([...plan.select, ...plan.update, ...plan.queues].join("\n")).not.toMatch(/TEMP B-TREE/);
      expect(plan.update.join("\n")).toMatch(/USING INTEGER PRIMARY KEY/);
    };
    check();
    s.db.exec("ANALYZE"); // with statistics, the plans must still avoid a sort
    check();
    expect(s.claim("w", only("q1"), 3, 1_000_000)).toHaveLength(3);
  });

  it("binds no LIMIT as a bare variable (SQLite re-prepares such a statement on every run: sql/limit.ts)", () => {
    const folder = join(ROOT, "src/backends/sqlite");
    const sources = readdirSync(folder, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const bare = sources.flatMap((file) =>
      readFileSync(join(folder, file), "utf8")
        .split("\n")
        .filter((line) => /\bLIMIT\s+[@:$?]/.test(line) && !/^\s*(\*|\/\/)/.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    );
    expect(bare).toEqual([]);
    // The bound form keeps its meaning: a limit of 2 returns 2 rows.
    const s = store();
    s.insert([record({}, 1), record({}, 2), record({}, 3)]);
    expect(s.claim("w", ALL, 2, 1_000_000)).toHaveLength(2);
  });

  it("finds RUNNING rows (heartbeats, recovery) per queue through the index of unfinished rows, never a scan", () => {
    const s = store();
    s.insert(Array.from({ length: 3000 }, (_, i) => record({ queueName: `q${i % 3}` }, i)));
    s.claim("w", ALL, 100, 1_000_000);
    const plan = (sql: string, params: Record<string, unknown>) =>
      (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join("\n");
    const checks: [string, Record<string, unknown>][] = [
      [SELECT_EXPIRED, { expiredBefore: 1 }],
      [SELECT_OWN, { workerId: "w" }],
      [EXTEND_LEASES, { workerId: "w", leaseExpiresAt: 1 }],
    ];
    for (const analyzed of [false, true]) {
      if (analyzed) s.db.exec("ANALYZE");
      for (const [sql, params] of checks) {
        const text = plan(sql, params);
        expect(text).toMatch(/USING (COVERING )?INDEX tasklane_results_active \(queue_name=\? AND status=\?\)/);
        expect(text).not.toMatch(/SCAN tasklane_results/);
      }
    }
    s.heartbeat("w", 5_000_000);
    const leases = s.db.prepare("SELECT DISTINCT lease_expires_at FROM tasklane_results WHERE status = 'RUNNING'");
    expect(leases.pluck().all()).toEqual([5_000_000 + s.leaseMs]);
  });
});

describe("schema", () => {
  it("creates the folder and a 0600 file, at the current schema version, WAL mode", () => {
    const s = store();
    expect(SCHEMA_VERSION).toBe(9);
    expect(s.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(s.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(statSync(dbPath).mode & 0o777).toBe(0o600);
    s.insert([record()]);
    expect(statSync(`${dbPath}-wal`).mode & 0o777).toBe(0o600);
    s.close();
    const again = store(); // reopening an up-to-date file changes nothing
    expect(again.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
  });

  it("leaves an existing file's mode alone", () => {
    const path = join(dir, "shared.sqlite3");
    writeFileSync(path, "");
    chmodSync(path, 0o640);
    store(path);
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it("refuses a newer schema with a ConfigError and leaves the file unchanged", () => {
    const path = join(dir, "newer.sqlite3");
    const db = new Database(path);
    db.exec("CREATE TABLE other (x)");
    db.pragma("user_version = 99");
    db.close();
    const before = readFileSync(path);
    let thrown: unknown;
    try {
      store(path);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toBe(
      `database ${path} has schema version 99 but this tasklane supports up to ${SCHEMA_VERSION}; upgrade tasklane`,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("reports a file that is not a database as a ConfigError", () => {
    const path = join(dir, "junk.sqlite3");
    writeFileSync(path, "this is not a database, just some text long enough to have a header".repeat(10));
    expect(() => store(path)).toThrow(ConfigError);
  });
});
