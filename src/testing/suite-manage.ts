import { describe, expect, it } from "vitest";
import type { TaskResult } from "../core/result.js";
import { BLOCK, type Suite } from "./context.js";
import { runBatchWorker, startWorker } from "./project.js";

const ids = (results: { id: string }[]) => results.map((r) => r.id);

/** ManagementStore: the operations behind results/show/errors/prune/retry/cancel/watch. */
export function managementTests(s: Suite): void {
  if (!s.target.management || !s.target.runsWorker) return;
  const name = s.target.name;

  /** a, b, c (record) and f (fail) run on "default"; e (emails) stays READY. */
  async function mix() {
    const a = await s.enqueue("record", ["a"]);
    const b = await s.enqueue("record", ["b"]);
    const c = await s.enqueue("record", ["c"]);
    const e = await s.enqueue("emails", ["e@example.com"]);
    const f = await s.enqueue("fail", ["broken"]);
    const run = await runBatchWorker(s.project(), ["--queue", "default"]);
    expect(run.exitCode, String(run.stderr)).toBe(0);
    for (const r of [a, b, c, e, f]) await r.refresh();
    return { a, b, c, e, f };
  }

  describe(`${name}: management`, BLOCK, () => {
    it("lists newest first with filters and a cursor; counts by status and by queue", async () => {
      const { a, b, c, e, f } = await mix();
      const m = await s.manage();
      const page1 = await m.listResults({ limit: 2 });
      expect(ids(page1.results)).toEqual([f.id, e.id]);
      expect(page1.nextCursor).not.toBeNull();
      const page2 = await m.listResults({ limit: 2, cursor: page1.nextCursor ?? undefined });
      expect(ids(page2.results)).toEqual([c.id, b.id]);
      const page3 = await m.listResults({ limit: 2, cursor: page2.nextCursor ?? undefined });
      expect(ids(page3.results)).toEqual([a.id]);
      expect(page3.nextCursor).toBeNull();
      expect(page1.results[0]?.errors[0]?.exceptionClass).toBe("RangeError");

      expect(ids((await m.listResults({ limit: 10, statuses: ["SUCCEEDED"] })).results)).toEqual([c.id, b.id, a.id]);
      expect(ids((await m.listResults({ limit: 10, taskNames: ["fail"] })).results)).toEqual([f.id]);
      expect(ids((await m.listResults({ limit: 10, queues: ["emails"] })).results)).toEqual([e.id]);
      expect(ids((await m.listResults({ limit: 10, since: new Date(Date.now() + 60_000) })).results)).toEqual([]);

      expect(await m.countByStatus()).toEqual({ READY: 1, RUNNING: 0, SUCCEEDED: 3, FAILED: 1, CANCELLED: 0 });
      expect((await m.countByStatus({ queues: ["emails"] })).READY).toBe(1);
      expect((await m.countByStatus({ taskNames: ["record"] })).SUCCEEDED).toBe(3);
      expect((await m.countByStatus({ statuses: ["FAILED"] })).SUCCEEDED).toBe(0);

      const byQueue = new Map((await m.countByQueue()).map((q) => [q.queueName, q]));
      expect(byQueue.get("default")?.counts).toMatchObject({ SUCCEEDED: 3, FAILED: 1, READY: 0 });
      expect(byQueue.get("default")?.oldestReadyAt).toBeNull();
      expect(byQueue.get("emails")?.counts.READY).toBe(1);
      expect(byQueue.get("emails")?.oldestReadyAt?.getTime()).toBe(e.enqueuedAt.getTime());

      const throughput = await m.throughput(5);
      expect(throughput).toHaveLength(5);
      expect(throughput.reduce((x, y) => x + y, 0)).toBe(4);
    });

    it("finds results by id prefix and by the short id's tail; groups errors", async () => {
      const { a, f } = await mix();
      const m = await s.manage();
      expect(ids(await m.findByIdPrefix(a.id.slice(0, 30), 5))).toContain(a.id);
      expect(ids(await m.findByIdPrefix(a.id, 5))).toEqual([a.id]);
      expect(ids(await m.findByIdFragment(a.id.slice(-12), 5))).toEqual([a.id]);
      expect(await m.findByIdFragment("zzzzzz", 5)).toEqual([]);
      const groups = await m.errorGroups({});
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({ taskName: "fail", exceptionClass: "RangeError", count: 1, sampleId: f.id });
      expect(groups[0]?.lastMessage).toBe("broken");
      expect(groups[0]?.sampleTraceback).toContain("RangeError: broken");
    });

    it("cancels READY results only; a cancelled result stays readable and never runs", async () => {
      const keep = await s.enqueue("record", ["keep"]);
      const drop = await s.enqueue("record", ["drop"]);
      const later = await s.enqueue("record", ["later"], { runAfter: new Date(Date.now() + 3_600_000) });
      const m = await s.manage();
      const outcomes = await m.cancel([drop.id, later.id, "01234567-89ab-7def-8123-456789abcdef", drop.id]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true]);
      expect(outcomes[2]?.reason).toBe("no such result");
      await runBatchWorker(s.project());
      for (const r of [keep, drop, later]) await r.refresh();
      expect(keep.status).toBe("SUCCEEDED");
      expect(drop.status).toBe("CANCELLED");
      expect(drop.isFinished).toBe(true);
      expect(drop.finishedAt).not.toBeNull();
      expect(() => drop.returnValue).toThrow(/cancelled/);
      expect(later.status).toBe("CANCELLED");
      expect(s.project().runs().join("\n")).not.toMatch(/ drop | later /);
      const again = await m.cancel([drop.id, keep.id]);
      expect(again.map((o) => o.ok)).toEqual([false, false]);
      expect(again[0]?.reason).toMatch(/is CANCELLED/);
      expect(again[1]?.reason).toMatch(/is SUCCEEDED/);
      expect((await m.countByStatus()).CANCELLED).toBe(2);
      expect(ids((await m.listResults({ limit: 10, statuses: ["CANCELLED"] })).results)).toEqual([later.id, drop.id]);
    });

    it("retries FAILED results, keeping their errors; refuses others", async () => {
      const failed = await s.enqueue("fail", ["first"]);
      const ok = await s.enqueue("add", [1, 1]);
      await runBatchWorker(s.project());
      const m = await s.manage();
      const outcomes = await m.retry([failed.id, ok.id]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, false]);
      expect(outcomes[1]?.reason).toMatch(/is SUCCEEDED; only FAILED/);
      await failed.refresh();
      expect(failed.status).toBe("READY");
      expect(failed.errors).toHaveLength(1);
      await runBatchWorker(s.project());
      await failed.refresh();
      expect(failed.status).toBe("FAILED");
      expect(failed.attempts).toBe(2);
      expect(failed.errors).toHaveLength(2);
      expect((await m.retryFailed({ taskNames: ["add"] })).length).toBe(0);
      expect((await m.retryFailed({ taskNames: ["fail"] })).length).toBe(1);
      await failed.refresh();
      expect(failed.status).toBe("READY");
    });

    it("prunes finished results older than the cutoffs, never READY or RUNNING", async () => {
      const { a, b, c, e, f } = await mix();
      const m = await s.manage();
      const future = new Date(Date.now() + 1000);
      const past = new Date(Date.now() - 3_600_000);
      const all = { finishedBefore: future, failedFinishedBefore: future };
      expect(await m.countPrunable(all)).toBe(4);
      expect(await m.countPrunable({ finishedBefore: past, failedFinishedBefore: past })).toBe(0);
      expect(await m.countPrunable({ finishedBefore: past, failedFinishedBefore: future })).toBe(1);
      expect(await m.countPrunable({ ...all, queues: ["emails"] })).toBe(0);
      expect(await m.prune({ ...all, taskNames: ["fail"] })).toBe(1);
      const progress: [number, number][] = [];
      expect(await m.prune({ ...all, batchSize: 2, onProgress: (done, total) => progress.push([done, total]) })).toBe(
        3,
      );
      expect(progress.at(-1)).toEqual([3, 3]);
      const backend = await s.backend();
      for (const gone of [a, b, c, f] as TaskResult[]) {
        await expect(backend.getResult(gone.id)).rejects.toMatchObject({ name: "TaskResultDoesNotExist" });
      }
      expect((await backend.getResult(e.id)).status).toBe("READY");
      expect(ids((await m.listResults({ limit: 10 })).results)).toEqual([e.id]);
    });

    it("lists running workers, and stopped ones after they exit", async () => {
      const worker = startWorker(s.project(), ["--worker-id", "conformance-1"]);
      await worker.waitFor((e) => e.event === "started");
      const m = await s.manage();
      const running = (await m.workers()).find((w) => w.id === "conformance-1");
      expect(running?.state).toBe("running");
      expect(running?.pid).toBe(worker.proc.pid);
      worker.proc.kill("SIGTERM");
      expect((await worker.proc).exitCode).toBe(0);
      expect((await m.workers()).find((w) => w.id === "conformance-1")?.state).toBe("stopped");
    });
  });
}
