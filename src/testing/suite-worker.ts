import { describe, expect, it } from "vitest";
import { BLOCK, type Suite } from "./context.js";
import { runBatchWorker, startWorker, waitForResult } from "./project.js";

const finishedIds = (events: Record<string, unknown>[]) =>
  events.filter((e) => e.event === "taskFinished").map((e) => e.id as string);

export function jsonLines(stdout: unknown): Record<string, unknown>[] {
  return String(stdout)
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `tasks worker` on the backend: order, queues, limits, concurrency and shutdown. */
export function workerTests(s: Suite): void {
  if (!s.target.runsWorker) return;
  const name = s.target.name;

  describe(`${name}: worker`, BLOCK, () => {
    const recoversWithinMs = s.target.recoversWithinMs;
    if (recoversWithinMs !== undefined) {
      it("a worker killed mid-task: another takes the task back as a lost attempt (FAILED WorkerLost)", async () => {
        const doomed = startWorker(s.project());
        const lost = await s.enqueue("sleep", [60_000]);
        await doomed.waitFor((e) => e.event === "taskStarted" && e.id === lost.id);
        doomed.proc.kill("SIGKILL");
        await doomed.proc;
        const rescuer = startWorker(s.project());
        try {
          // Generous: a loaded machine is slow to start the rescuer and to see the lease run out.
          await waitForResult(lost, (r) => r.isFinished, recoversWithinMs + 30_000);
        } finally {
          rescuer.proc.kill("SIGTERM");
          await rescuer.proc;
        }
        expect([lost.status, lost.attempts, lost.errors.map((e) => e.exceptionClass)]).toEqual([
          "FAILED",
          1,
          ["WorkerLost"],
        ]);
        // It started once: the lost run is not run again (the task allows one attempt).
        expect(
          s
            .project()
            .runs()
            .filter((line) => line.startsWith(`${lost.id} start`)),
        ).toHaveLength(1);
      });
    }

    it("runs by priority, higher first, FIFO among equal priorities; --batch exits when none is ready", async () => {
      const plan: [string, number][] = [
        ["low", -5],
        ["first", 0],
        ["second", 0],
        ["high", 50],
        ["top", 100],
        ["bottom", -100],
        ["third", 0],
      ];
      const ids = new Map<string, string>();
      for (const [label, priority] of plan) ids.set(label, (await s.enqueue("record", [label], { priority })).id);
      const run = await runBatchWorker(s.project());
      expect(run.exitCode, String(run.stderr)).toBe(0);
      const order = ["top", "high", "first", "second", "third", "low", "bottom"].map((l) => ids.get(l));
      expect(finishedIds(jsonLines(run.stdout))).toEqual(order);
    });

    it("keeps queues apart: --queue, '*' and --exclude-queue", async () => {
      const d = await s.enqueue("add", [1, 1]);
      const e = await s.enqueue("emails", ["ada@example.com"]);
      const onlyEmails = await runBatchWorker(s.project(), ["--queue", "emails"]);
      expect(finishedIds(jsonLines(onlyEmails.stdout))).toEqual([e.id]);
      const allButDefault = await runBatchWorker(s.project(), ["--queue", "*", "--exclude-queue", "default"]);
      expect(finishedIds(jsonLines(allButDefault.stdout))).toEqual([]);
      const all = await runBatchWorker(s.project(), ["--queue", "*"]);
      expect(finishedIds(jsonLines(all.stdout))).toEqual([d.id]);
    });

    it("--max-tasks stops after that many tasks, failed ones included", async () => {
      await s.enqueue("fail", ["x"]);
      await s.enqueue("add", [1, 2]);
      const third = await s.enqueue("add", [3, 4]);
      const run = await runBatchWorker(s.project(), ["--max-tasks", "2", "--concurrency", "4"]);
      expect(run.exitCode, String(run.stderr)).toBe(0);
      expect(finishedIds(jsonLines(run.stdout))).toHaveLength(2);
      await third.refresh();
      expect(third.status).toBe("READY");
      expect(third.attempts).toBe(0);
      const rest = await runBatchWorker(s.project());
      expect(finishedIds(jsonLines(rest.stdout))).toEqual([third.id]);
    });

    it("--concurrency 5 overlaps five 500 ms async tasks", async () => {
      const sleep = s.project().config.tasks.get("sleep");
      await sleep?.enqueueMany(Array.from({ length: 5 }, () => [500]));
      const run = await runBatchWorker(s.project(), ["--concurrency", "5"]);
      expect(run.exitCode, String(run.stderr)).toBe(0);
      const at = (kind: string) =>
        s
          .project()
          .runs()
          .filter((l) => l.includes(` ${kind} `))
          .map((l) => Number(l.split(" ")[2]));
      expect(at("start")).toHaveLength(5);
      expect(Math.max(...at("start"))).toBeLessThan(Math.min(...at("end")));
    });

    it("2 worker processes over 60 tasks run every task exactly once", async () => {
      const record = s.project().config.tasks.get("record");
      const results = (await record?.enqueueMany(Array.from({ length: 60 }, (_, i) => [`t${i}`]))) ?? [];
      const runs = await Promise.all([1, 2].map(() => runBatchWorker(s.project(), ["--concurrency", "4"])));
      for (const run of runs) expect(run.exitCode, String(run.stderr)).toBe(0);
      const counts = new Map<string, number>();
      for (const line of s.project().runs()) {
        const id = line.split(" ")[0] as string;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      expect(new Set(counts.keys())).toEqual(new Set(results.map((r) => r.id)));
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    });
  });

  describe(`${name}: worker shutdown`, BLOCK, () => {
    it("SIGTERM on an idle worker exits 0 within a second", async () => {
      const worker = startWorker(s.project());
      await worker.waitFor((e) => e.event === "started");
      const sent = performance.now();
      worker.proc.kill("SIGTERM");
      expect((await worker.proc).exitCode).toBe(0);
      expect(performance.now() - sent).toBeLessThan(1000);
    });

    it("SIGTERM during a 2 s task lets it finish: SUCCEEDED, exit 0", async () => {
      const worker = startWorker(s.project());
      const long = await s.enqueue("sleep", [2000]);
      await worker.waitFor((e) => e.event === "taskStarted" && e.id === long.id);
      worker.proc.kill("SIGTERM");
      const result = await worker.proc;
      expect(result.exitCode, String(result.stderr)).toBe(0);
      await long.refresh();
      expect(long.status).toBe("SUCCEEDED");
      expect(long.returnValue).toBe(2000);
    });

    it("two SIGINTs during a task record it FAILED as WorkerInterrupted and exit 0", async () => {
      const worker = startWorker(s.project());
      const long = await s.enqueue("sleep", [20_000]);
      await worker.waitFor((e) => e.event === "taskStarted" && e.id === long.id);
      worker.proc.kill("SIGINT");
      await worker.waitFor((e) => e.event === "stopping" && e.force === false);
      worker.proc.kill("SIGINT");
      const result = await worker.proc;
      expect(result.exitCode, String(result.stderr)).toBe(0);
      await long.refresh();
      expect(long.status).toBe("FAILED");
      expect(long.errors.map((e) => e.exceptionClass)).toEqual(["WorkerInterrupted"]);
      expect(long.attempts).toBe(1);
    });
  });
}
