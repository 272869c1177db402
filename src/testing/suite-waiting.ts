import { describe, expect, it } from "vitest";
import { BLOCK, type Suite } from "./context.js";

const ids = (results: { id: string }[]) => results.map((r) => r.id);
const UNKNOWN_ID = "01234567-89ab-7def-8123-456789abcdef";

/**
 * ManagementStore on results no worker has touched: listing, counting, finding, cancelling and
 * pruning what was cancelled. Needs no worker, so a backend that keeps results without running
 * them (an in-memory one) is held to the same contract as sqlite and redis.
 */
export function waitingManagementTests(s: Suite): void {
  if (!s.target.management || s.target.runsInCaller) return;
  const name = s.target.name;

  describe(`${name}: management of waiting results`, BLOCK, () => {
    it("lists READY results newest first with filters and a cursor; counts them; finds them by id", async () => {
      const a = await s.enqueue("record", ["a"]);
      const b = await s.enqueue("add", [1, 2], { priority: 5 });
      const e = await s.enqueue("emails", ["e@example.com"]);
      const m = await s.manage();
      const page1 = await m.listResults({ limit: 2 });
      expect(ids(page1.results)).toEqual([e.id, b.id]);
      expect(page1.results[1]).toMatchObject({ status: "READY", taskName: "add", args: [1, 2], priority: 5 });
      const page2 = await m.listResults({ limit: 2, cursor: page1.nextCursor ?? undefined });
      expect(ids(page2.results)).toEqual([a.id]);
      expect(page2.nextCursor).toBeNull();
      expect(ids((await m.listResults({ limit: 10, queues: ["emails"] })).results)).toEqual([e.id]);
      expect(ids((await m.listResults({ limit: 10, taskNames: ["record", "add"] })).results)).toEqual([b.id, a.id]);
      expect(ids((await m.listResults({ limit: 10, statuses: ["FAILED"] })).results)).toEqual([]);

      expect(await m.countByStatus()).toEqual({ READY: 3, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 });
      expect((await m.countByStatus({ queues: ["default"] })).READY).toBe(2);
      const byQueue = new Map((await m.countByQueue()).map((q) => [q.queueName, q]));
      expect(byQueue.get("default")?.counts.READY).toBe(2);
      expect(byQueue.get("default")?.oldestReadyAt?.getTime()).toBe(a.enqueuedAt.getTime());
      expect(byQueue.get("emails")?.counts.READY).toBe(1);

      expect(ids(await m.findByIdPrefix(b.id, 5))).toEqual([b.id]);
      expect(ids(await m.findByIdFragment(b.id.slice(-12), 5))).toEqual([b.id]);
      expect(await m.findByIdPrefix("zzzzzz", 5)).toEqual([]);
      expect(await m.errorGroups({})).toEqual([]);
      expect(await m.workers()).toEqual([]);
      expect(await m.throughput(3)).toEqual([0, 0, 0]);
    });

    it("cancels READY results; cancelled ones are finished, never retried, and pruned", async () => {
      const keep = await s.enqueue("record", ["keep"]);
      const drop = await s.enqueue("record", ["drop"]);
      const m = await s.manage();
      const outcomes = await m.cancel([drop.id, UNKNOWN_ID]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, false]);
      expect(outcomes[1]?.reason).toBe("no such result");
      await drop.refresh();
      expect(drop.status).toBe("CANCELLED");
      expect(drop.isFinished).toBe(true);
      expect(drop.finishedAt).not.toBeNull();
      expect(() => drop.returnValue).toThrow(/cancelled/);
      const again = await m.cancel([drop.id]);
      expect(again[0]).toMatchObject({ ok: false, status: "CANCELLED" });
      expect(again[0]?.reason).toMatch(/is CANCELLED/);

      const retried = await m.retry([keep.id, drop.id]);
      expect(retried.map((o) => o.ok)).toEqual([false, false]);
      expect(retried[0]?.reason).toMatch(/is READY; only FAILED/);
      expect((await m.retryFailed({})).length).toBe(0);
      expect(await m.countByStatus()).toMatchObject({ READY: 1, CANCELLED: 1 });

      const future = new Date(Date.now() + 1000);
      const past = new Date(Date.now() - 3_600_000);
      expect(await m.countPrunable({ finishedBefore: past, failedFinishedBefore: future })).toBe(0);
      expect(await m.countPrunable({ finishedBefore: future, failedFinishedBefore: future })).toBe(1);
      expect(await m.prune({ finishedBefore: future, failedFinishedBefore: future })).toBe(1);
      await expect((await s.backend()).getResult(drop.id)).rejects.toMatchObject({ name: "TaskResultDoesNotExist" });
      expect(ids((await m.listResults({ limit: 10 })).results)).toEqual([keep.id]);
    });

    if (s.target.capabilities.supportsDefer) {
      it("cancels a deferred result before it is due", async () => {
        const later = await s.enqueue("record", ["later"], { runAfter: new Date(Date.now() + 3_600_000) });
        const m = await s.manage();
        expect((await m.cancel([later.id]))[0]?.ok).toBe(true);
        await later.refresh();
        expect(later.status).toBe("CANCELLED");
        expect(ids((await m.listResults({ limit: 10, statuses: ["CANCELLED"] })).results)).toEqual([later.id]);
      });
    }
  });
}
