import { describe, expect, it } from "vitest";
import { BLOCK, type Suite } from "./context.js";
import { startWorker } from "./project.js";

/** `result.wait()`: until a worker (or the caller, on immediate) finishes the task, or a timeout or signal. */
export function waitTests(s: Suite): void {
  const name = s.target.name;

  describe(`${name}: result.wait()`, BLOCK, () => {
    if (s.target.runsWorker) {
      it("resolves when a worker finishes the task: SUCCEEDED with its value, FAILED with its error", async () => {
        const worker = startWorker(s.project());
        try {
          await worker.waitFor((e) => e.event === "started");
          const sum = await s.enqueue("add", [2, 3]);
          expect(await sum.wait({ timeoutMs: 30_000 })).toBe(sum);
          expect([sum.status, sum.returnValue]).toEqual(["SUCCEEDED", 5]);
          const failed = await (await s.enqueue("fail", ["no luck"])).wait({ timeoutMs: 30_000 });
          expect([failed.status, failed.errors.map((e) => e.message)]).toEqual(["FAILED", ["no luck"]]);
        } finally {
          worker.proc.kill("SIGTERM");
          await worker.proc;
        }
      });
    }

    if (s.target.runsInCaller) {
      it("resolves at once: the task ran inside enqueue", async () => {
        const sum = await s.enqueue("add", [2, 3]);
        expect((await sum.wait()).returnValue).toBe(5);
      });
    } else {
      it("rejects with WaitTimeout when nothing finishes it in time; the result holds what was read", async () => {
        const waiting = await s.enqueue("add", [2, 3]);
        const error = await waiting.wait({ timeoutMs: 200 }).catch((e: unknown) => e);
        // By name: the project's config may load another copy of tasklane than this suite.
        expect((error as Error).name).toBe("WaitTimeout");
        expect((error as Error).message).toBe(`Task "add" ${waiting.id} is still READY after waiting 200 ms`);
        expect(waiting.status).toBe("READY");
      });

      it("rejects with the signal's reason when it aborts, and refuses bad options", async () => {
        const waiting = await s.enqueue("add", [2, 3]);
        const controller = new AbortController();
        const reason = new Error("the request was cancelled");
        const wait = waiting.wait({ signal: controller.signal });
        controller.abort(reason);
        await expect(wait).rejects.toBe(reason);
        await expect(waiting.wait({ timeoutMs: 0 })).rejects.toMatchObject({ name: "UsageError" });
        await expect(waiting.wait({ timeout: 5 } as never)).rejects.toThrow(
          'result.wait(options): unknown option "timeout"; known options: timeoutMs, signal',
        );
      });
    }
  });
}
