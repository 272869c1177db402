import { describe, expect, it } from "vitest";
import type { TaskResult } from "../core/result.js";
import { BLOCK, type Suite } from "./context.js";
import { runBatchWorker } from "./project.js";

/** Runs results to their end: nothing to do when tasks run in the caller, else a batch worker. */
async function settle(s: Suite, args: string[], ...results: TaskResult[]): Promise<void> {
  if (s.target.runsInCaller) return;
  const run = await runBatchWorker(s.project(), args);
  expect(run.exitCode, String(run.stderr)).toBe(0);
  for (const r of results) await r.refresh();
}

/** Timeouts (task option timeoutMs): wherever tasks run, by a worker or in the caller. */
export function timeoutTests(s: Suite): void {
  if (!s.target.runsWorker && !s.target.runsInCaller) return;
  const name = s.target.name;

  describe(`${name}: timeouts`, BLOCK, () => {
    it("a task that ignores its signal ends FAILED TaskTimeout at its deadline, retried while attempts are left; its slot is freed", async () => {
      const hung = await s.enqueue("hangs");
      const after = await s.enqueue("add", [2, 3]);
      // One slot only: the next task runs only because the timeout freed it.
      await settle(s, ["--concurrency", "1"], hung, after);
      expect(hung.status).toBe("FAILED");
      expect(hung.attempts).toBe(2);
      expect(hung.errors.map((e) => e.exceptionClass)).toEqual(["TaskTimeout", "TaskTimeout"]);
      expect(hung.errors[0]?.message).toMatch(/ran longer than its timeout of 300 ms/);
      expect(hung.timeoutMs).toBe(300);
      expect(after.status).toBe("SUCCEEDED");
      expect(after.returnValue).toBe(5);
    });

    it("context.signal aborts with a TaskTimeout reason; the late return value is ignored", async () => {
      const watched = await s.enqueue("watchesTimeout");
      await settle(s, [], watched);
      expect(watched.status).toBe("FAILED");
      expect(watched.errors.map((e) => e.exceptionClass)).toEqual(["TaskTimeout"]);
      if (!s.target.runsInCaller) {
        await expect.poll(() => s.project().runs()).toContain(`${watched.id} aborted TaskTimeout`);
      }
    });

    it("a synchronous task that blocks past its timeout is recorded TaskTimeout as soon as it returns", async () => {
      const blocked = await s.enqueue("blocksPastTimeout", [400]);
      await settle(s, [], blocked);
      expect(blocked.status).toBe("FAILED");
      expect(blocked.errors.map((e) => e.exceptionClass)).toEqual(["TaskTimeout"]);
    });

    it("using({ timeoutMs }) sets the deadline of that enqueue, stored with the result", async () => {
      const slow = await s.enqueue("sleep", [5_000], { timeoutMs: 200 });
      expect(slow.timeoutMs).toBe(200);
      await settle(s, [], slow);
      expect(slow.status).toBe("FAILED");
      expect(slow.errors.map((e) => e.exceptionClass)).toEqual(["TaskTimeout"]);
      expect(slow.errors[0]?.message).toMatch(/timeout of 200 ms/);
    });
  });
}
