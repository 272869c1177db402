import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManagementStore } from "../../../src/contract/management.js";
import { mustRunRedis, provideRedis, redisAvailable } from "../../conformance/redis-server.js";
import { enqueue, runBatchWorker } from "../../helpers/project.js";
import { type RedisProject, redisProject } from "./redis-project.js";

// Failures grouped by cause on Redis (as test/commands/failure-groups.test.ts on sqlite), and
// the READY listings by waiting state.

interface Group {
  group: number;
  exceptionClass: string;
  frame: string | null;
  taskNames: string[];
  count: number;
  retrying: number;
}
const json = (out: unknown) => JSON.parse(String(out));
const ids = (results: { id: string }[]) => results.map((r) => r.id);

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("redis failures grouped by cause", () => {
    let r: RedisProject;
    beforeAll(async () => {
      r = await redisProject();
      await r.p.config.tasks.get("chargeCard")?.enqueueMany([[100], [200]]);
      await enqueue(r.p, "refund", [50]);
      await enqueue(r.p, "parse", ["x"]);
      await enqueue(r.p, "parse", ["null"]);
      await enqueue(r.p, "backsOff");
      expect((await runBatchWorker(r.p)).exitCode).toBe(0);
    });
    afterAll(async () => {
      await r?.cleanup();
    });

    it("groups by error class and the first frame of the user's code, across tasks; a pending retry counts as retrying", async () => {
      const groups = json((await r.cli(["errors", "--json"])).stdout) as Group[];
      const byClass = new Map(groups.map((g) => [g.exceptionClass, g]));
      const line =
        readFileSync(r.p.configPath, "utf8")
          .split("\n")
          .findIndex((l) => l.includes("throw new PaymentDeclined")) + 1;
      expect(byClass.get("PaymentDeclined")).toMatchObject({
        taskNames: ["chargeCard", "refund"],
        count: 3,
        retrying: 0,
        frame: `${r.p.dir}/tasks.config.ts:${line} charge`,
      });
      expect(byClass.get("SyntaxError")).toMatchObject({ taskNames: ["parse"], count: 1 });
      expect(byClass.get("TypeError")).toMatchObject({ taskNames: ["parse"], count: 1 });
      expect(byClass.get("SyntaxError")?.frame).not.toBe(byClass.get("TypeError")?.frame);
      expect(byClass.get("Error")).toMatchObject({ taskNames: ["backsOff"], count: 0, retrying: 1 });
      const table = await r.cli(["errors"]);
      expect(table.stdout).toMatch(
        new RegExp(`chargeCard,refund\\s+PaymentDeclined\\s+3\\s+0\\s+tasks\\.config\\.ts:${line} charge`),
      );
    });

    it("retry --group retries a group's FAILED results; cancel --group its pending retries; retry --failed the rest", async () => {
      const groups = json((await r.cli(["errors", "--json"])).stdout) as Group[];
      const payment = groups.find((g) => g.exceptionClass === "PaymentDeclined");
      const retried = await r.cli(["retry", "--group", String(payment?.group), "--json"]);
      expect(retried.exitCode, String(retried.stderr)).toBe(0);
      const outcomes = json(retried.stdout) as { id: string; ok: boolean }[];
      expect(outcomes).toHaveLength(3);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const shown = json((await r.cli(["show", outcomes[0]?.id ?? "", "--json"])).stdout);
      expect(shown).toMatchObject({ status: "READY", attempts: 1, maxAttempts: 2 });

      const after = json((await r.cli(["errors", "--json"])).stdout) as Group[];
      expect(after.find((g) => g.exceptionClass === "PaymentDeclined")).toMatchObject({ count: 0, retrying: 3 });
      const backsOff = after.find((g) => g.exceptionClass === "Error");
      const cancelled = await r.cli(["cancel", "--group", String(backsOff?.group)]);
      expect(cancelled.exitCode, String(cancelled.stderr)).toBe(0);
      expect(String(cancelled.stdout).split("\n")).toEqual([
        expect.stringMatching(/^cancelled \S+$/),
        "1 cancelled, 0 failed",
      ]);

      const rest = await r.cli(["retry", "--failed", "--json"]);
      expect(json(rest.stdout)).toMatchObject({ retried: 2 }); // the two parse failures
      const none = await r.cli(["retry", "--group", "99"]);
      expect(none.exitCode).toBe(2);
      expect(String(none.stderr)).toMatch(/^Error: --group: no group #99; `tasks errors` lists \d+ group\(s\)/);
    });
  });

  describe("redis READY listings by waiting state, and how long due tasks wait", () => {
    let r: RedisProject;
    let manage: ManagementStore;
    beforeAll(async () => {
      r = await redisProject();
      manage = (await r.p.config.getBackend("default")).management() as ManagementStore;
    });
    afterAll(async () => {
      await r?.cleanup();
    });

    it("scheduled: READY not due yet (runAfter or a retry's backoff); retrying: READY after a failed attempt", async () => {
      const failing = await enqueue(r.p, "backsOff");
      const broken = await enqueue(r.p, "fail", ["boom"]);
      expect((await runBatchWorker(r.p)).exitCode).toBe(0);
      const later = await enqueue(r.p, "noop", [], { runAfter: new Date(Date.now() + 600_000) });
      const plain = await enqueue(r.p, "noop");
      expect((await manage.retry([broken.id]))[0]?.ok).toBe(true); // READY, due now, with its error

      const scheduled = await manage.listResults({ limit: 10, waiting: "scheduled" });
      expect(ids(scheduled.results)).toEqual([later.id, failing.id]);
      const retrying = await manage.listResults({ limit: 10, waiting: "retrying" });
      expect(ids(retrying.results)).toEqual([broken.id, failing.id]);
      const page1 = await manage.listResults({ limit: 1, waiting: "retrying" });
      expect(ids(page1.results)).toEqual([broken.id]);
      const page2 = await manage.listResults({ limit: 1, waiting: "retrying", cursor: page1.nextCursor ?? "" });
      expect(ids(page2.results)).toEqual([failing.id]);
      expect(page2.nextCursor).toBeNull();
      expect(ids((await manage.listResults({ limit: 10, waiting: "scheduled", taskNames: ["noop"] })).results)).toEqual(
        [later.id],
      );
      expect((await manage.listResults({ limit: 10, waiting: "retrying", statuses: ["FAILED"] })).results).toEqual([]);
      expect((await manage.countByStatus({ waiting: "scheduled" })).READY).toBe(2);
      expect(ids((await manage.listResults({ limit: 10, statuses: ["READY"] })).results)).toContain(plain.id);
    });

    it("oldestDueAt: when the longest-waiting due task became due, across priorities; deferred ones do not count", async () => {
      const queueOf = async (name: string) => (await manage.countByQueue()).find((q) => q.queueName === name);
      await enqueue(r.p, "emails", ["later"], { runAfter: new Date(Date.now() + 600_000) });
      expect((await queueOf("emails"))?.oldestDueAt).toBeNull();
      const old = await enqueue(r.p, "emails", ["old"], { priority: -5 });
      await enqueue(r.p, "emails", ["urgent"], { priority: 9 });
      expect((await queueOf("emails"))?.oldestDueAt?.getTime()).toBe(old.enqueuedAt.getTime());
      const overdue = new Date(Date.now() - 60_000);
      await enqueue(r.p, "emails", ["overdue"], { runAfter: overdue });
      expect((await queueOf("emails"))?.oldestDueAt?.getTime()).toBe(overdue.getTime());
    });
  });
}
