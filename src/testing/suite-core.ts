import { describe, expect, it } from "vitest";
import type { TaskResult } from "../core/result.js";
import { BLOCK, type Suite } from "./context.js";
import { runBatchWorker, startWorker } from "./project.js";

/** The config runs its own copy of tasklane (jiti): match errors by class name, not identity. */
const named = (name: string) => expect.objectContaining({ name });

/** Brings results to their end on any backend: nothing to do in the caller, else a batch worker. */
export async function settle(s: Suite, ...results: TaskResult[]): Promise<void> {
  if (s.target.runsInCaller) return;
  const run = await runBatchWorker(s.project());
  expect(run.exitCode, String(run.stderr)).toBe(0);
  for (const r of results) await r.refresh();
}

const canRun = (s: Suite) => s.target.runsInCaller === true || s.target.runsWorker;

/** enqueue/getResult, validation, defer, failures and retries: what every backend must do. */
export function coreTests(s: Suite): void {
  const { target } = s;
  const name = target.name;

  describe(`${name}: enqueue and getResult`, BLOCK, () => {
    it("the backend has the capabilities the target declares", async () => {
      const b = await s.backend();
      const { supportsDefer, supportsAsyncTask, supportsGetResult, supportsPriority } = target.capabilities;
      expect({
        supportsDefer: b.supportsDefer,
        supportsAsyncTask: b.supportsAsyncTask,
        supportsGetResult: b.supportsGetResult,
        supportsPriority: b.supportsPriority,
      }).toEqual({ supportsDefer, supportsAsyncTask, supportsGetResult, supportsPriority });
      // Said first and plainly: a declaration the backend does not back fails many later tests
      // in ways that hide it. (Declaring less than the backend has only skips those tests.)
      if (target.runsWorker) {
        const runs = s.project().config.backends.get("default")?.runsWorker;
        expect(
          runs,
          "target.runsWorker is true, but tasks worker cannot run this backend (workerStore() is null)",
        ).toBe(true);
      }
      if (target.management) {
        expect(b.management() !== null, "target.management is true, but management() returned null").toBe(true);
      }
    });

    it("enqueue returns the stored result and getResult reads it back", async () => {
      const before = Date.now();
      const r = await s.enqueue("record", ["a"]);
      expect(r.taskName).toBe("record");
      expect(r.args).toEqual(["a"]);
      expect(r.queueName).toBe("default");
      expect(r.priority).toBe(0);
      expect(r.backend).toBe("default");
      expect(r.id.length).toBeLessThanOrEqual(64);
      expect(r.enqueuedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      if (target.runsInCaller) {
        expect(r.status).toBe("SUCCEEDED");
        expect(r.returnValue).toBe("a");
      } else {
        expect(r.status).toBe("READY");
        expect(r.attempts).toBe(0);
        expect(() => r.returnValue).toThrow("Task has not finished yet");
      }
      const backend = await s.backend();
      const read = await backend.getResult(r.id);
      expect(read.toJSON()).toEqual(r.toJSON());
      const record = s.project().config.tasks.get("record");
      expect((await record?.getResult(r.id))?.id).toBe(r.id);
      await expect(s.project().config.tasks.get("add")?.getResult(r.id)).rejects.toEqual(named("TaskResultMismatch"));
      await expect(backend.getResult("01234567-89ab-7def-8123-456789abcdef")).rejects.toEqual(
        named("TaskResultDoesNotExist"),
      );
    });

    it("enqueueMany stores every call in one go, each with its own id", async () => {
      const add = s.project().config.tasks.get("add");
      const results =
        (await add?.enqueueMany([
          [1, 2],
          [3, 4],
          [5, 6],
        ])) ?? [];
      expect(results.map((r) => r.args)).toEqual([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      expect(new Set(results.map((r) => r.id)).size).toBe(3);
      const backend = await s.backend();
      for (const r of results) expect((await backend.getResult(r.id)).args).toEqual(r.args);
    });

    if (target.capabilities.supportsPriority) {
      it("keeps priority on the result", async () => {
        const r = await s.enqueue("add", [1, 1], { priority: 7 });
        expect(r.priority, "the result enqueue returned keeps its priority").toBe(7);
        const read = await (await s.backend()).getResult(r.id);
        expect(read.priority, "the result getResult reads keeps its priority").toBe(7);
      });
    }

    it("validates before storing: priority range, queue, JSON arguments", async () => {
      await expect(s.enqueue("add", [1, 2], { priority: 101 })).rejects.toEqual(named("InvalidTaskError"));
      await expect(s.enqueue("add", [1, 2], { queueName: "nope" })).rejects.toThrow(/queue/);
      await expect(s.enqueue("add", [new Date(), 1])).rejects.toThrow(/args\[0\] is a Date/);
    });

    if (target.capabilities.supportsGetResult && target.runsWorker) {
      it("getResult works across processes: enqueued by the CLI, run by a worker, read here", async () => {
        const run = await s.cli(["enqueue", "add", "2", "3", "--json"]);
        expect(run.exitCode, String(run.stderr)).toBe(0);
        const { id } = JSON.parse(String(run.stdout)) as { id: string };
        const r = await (await s.backend()).getResult(id);
        expect(r.status).toBe("READY");
        expect(r.args).toEqual([2, 3]);
        await settle(s, r);
        expect(r.status).toBe("SUCCEEDED");
        expect(r.returnValue).toBe(5);
        expect(r.attempts).toBe(1);
        expect(r.startedAt).not.toBeNull();
        expect(r.finishedAt?.getTime()).toBeGreaterThanOrEqual(r.startedAt?.getTime() ?? 0);
      });
    } else {
      it("refresh() re-reads the result in the enqueuing process (as django-tasks does)", async () => {
        const r = await s.enqueue("add", [1, 1]);
        await r.refresh();
        expect(r.status).toBe(target.runsInCaller ? "SUCCEEDED" : "READY");
        expect(r.toJSON()).toEqual((await (await s.backend()).getResult(r.id)).toJSON());
      });
    }
  });

  describe(`${name}: defer`, BLOCK, () => {
    if (!target.capabilities.supportsDefer) {
      it("rejects runAfter", async () => {
        await expect(s.enqueue("add", [1, 1], { runAfter: new Date(Date.now() + 60_000) })).rejects.toEqual(
          named("InvalidTaskError"),
        );
      });
      return;
    }
    it("keeps runAfter on the result", async () => {
      const at = new Date(Date.now() + 3_600_000);
      const r = await s.enqueue("add", [1, 1], { runAfter: at });
      expect(r.runAfter?.getTime(), "the result enqueue returned keeps runAfter").toBe(at.getTime());
      expect(r.status).toBe("READY");
      if (target.capabilities.supportsGetResult) {
        const read = await (await s.backend()).getResult(r.id);
        expect(read.runAfter?.getTime(), "the result getResult reads keeps runAfter").toBe(at.getTime());
      }
    });
    if (!target.runsWorker) return;
    it("a deferred task is not started before it is due, then an idle worker starts it", async () => {
      const far = await s.enqueue("add", [1, 1], { runAfter: new Date(Date.now() + 3_600_000) });
      const batch = await runBatchWorker(s.project());
      expect(batch.exitCode).toBe(0);
      expect(String(batch.stdout)).not.toContain(far.id);
      await far.refresh();
      expect(far.status).toBe("READY");
      const worker = startWorker(s.project(), ["--interval", "30"]);
      await worker.waitFor((e) => e.event === "started");
      const dueAt = Date.now() + 1500;
      const later = await s.enqueue("add", [2, 2], { runAfter: new Date(dueAt) });
      const started = await worker.waitFor((e) => e.event === "taskStarted" && e.id === later.id);
      expect(Date.parse(String(started.ts))).toBeGreaterThanOrEqual(dueAt);
      await worker.waitFor((e) => e.event === "taskFinished" && e.id === later.id);
      worker.proc.kill("SIGTERM");
      expect((await worker.proc).exitCode).toBe(0);
      await later.refresh();
      expect(later.returnValue).toBe(4);
    });
  });

  if (!canRun(s)) return;

  describe(`${name}: failures and retries`, BLOCK, () => {
    it("a failure is FAILED with exceptionClass, message and traceback; a non-JSON return value fails", async () => {
      const failed = await s.enqueue("fail", ["out of range"]);
      const bad = await s.enqueue("badReturn");
      await settle(s, failed, bad);
      expect(failed.status).toBe("FAILED");
      expect(failed.isFinished).toBe(true);
      expect(failed.attempts).toBe(1);
      expect(() => failed.returnValue).toThrow("Task failed");
      expect(failed.finishedAt).not.toBeNull();
      const [error] = failed.errors;
      expect(error?.exceptionClass).toBe("RangeError");
      expect(error?.message).toBe("out of range");
      expect(error?.traceback).toContain("RangeError: out of range");
      expect(error?.traceback).toContain("tasks.config.ts");
      expect(bad.status).toBe("FAILED");
      expect(bad.errors[0]?.message).toMatch(/return value is a Date/);
    });

    it("retries with backoff: one TaskError per failed attempt, then SUCCEEDED", async () => {
      const flaky = await s.enqueue("flakyThrice");
      const doomed = await s.enqueue("alwaysFails");
      if (target.runsWorker) {
        // Not --batch: a batch worker leaves when the only ready tasks are retries not yet due.
        const worker = startWorker(s.project());
        await worker.waitFor((e) => e.event === "taskFinished" && e.id === flaky.id && e.status === "SUCCEEDED");
        await worker.waitFor((e) => e.event === "taskFinished" && e.id === doomed.id && e.status === "FAILED");
        const retried = worker.events.filter((e) => e.event === "taskFinished" && e.status === "READY");
        expect(retried.map((e) => e.id).sort()).toEqual([flaky.id, flaky.id, doomed.id].sort());
        worker.proc.kill("SIGTERM");
        expect((await worker.proc).exitCode).toBe(0);
        const times = s
          .project()
          .runs()
          .filter((l) => l.startsWith(`${flaky.id} attempt`))
          .map((l) => Number(l.split(" ")[3]));
        expect(times).toHaveLength(3);
        for (let i = 1; i < times.length; i++)
          expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(280);
        await flaky.refresh();
        await doomed.refresh();
      }
      expect(flaky.status).toBe("SUCCEEDED");
      expect(flaky.returnValue).toBe("ok on attempt 3");
      expect(flaky.attempts).toBe(3);
      expect(flaky.errors.map((e) => e.message)).toEqual(["attempt 1 failed", "attempt 2 failed"]);
      expect(doomed.status).toBe("FAILED");
      expect(doomed.attempts).toBe(2);
      expect(doomed.errors.map((e) => `${e.exceptionClass}: ${e.message}`)).toEqual([
        "TypeError: no luck on attempt 1",
        "TypeError: no luck on attempt 2",
      ]);
    });
  });
}
