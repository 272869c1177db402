import { describe, expect, it } from "vitest";
import { BLOCK, type ConformanceTarget, type Suite } from "./context.js";
import { enqueue, makeProject, runBatchWorker, startWorker } from "./project.js";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "./task-source.js";

let counter = 0;

/** The suite's tasks on the target's backend, keeping finished results for `retention` (source text). */
function retentionConfig(target: ConformanceTarget, retention: string): string {
  const unique = `${target.name}-keep-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const entry = target.backend({ unique }).trim();
  const withRetention = `${entry.slice(0, -1).replace(/,\s*$/, "")}, queues: ["default", "emails"], retention: ${retention} }`;
  return `${SHARED_TASKS}
${target.imports ?? ""}
export default defineConfig({
  backends: { default: ${withRetention} },
  tasks: { ${SHARED_TASK_NAMES} },
});
`;
}

/**
 * Retention (`backends.X.retention`): the backend's running workers delete finished results past
 * their age, as `tasks prune` would, and nothing else.
 */
export function retentionTests(s: Suite): void {
  if (!s.target.runsWorker || !s.target.management) return;
  describe(`${s.target.name}: retention`, BLOCK, () => {
    it("a running worker prunes finished results past their age, keeps failed ones for their own age, never waiting ones", async () => {
      const project = await makeProject(retentionConfig(s.target, `{ olderThan: "0s", failedOlderThan: "1h" }`));
      try {
        const done = await Promise.all([1, 2, 3].map((n) => enqueue(project, "add", [n, n])));
        const failed = await enqueue(project, "fail", ["kept an hour"]);
        const later = s.target.capabilities.supportsDefer
          ? await enqueue(project, "noop", [], { runAfter: new Date(Date.now() + 3_600_000) })
          : null;
        const batch = await runBatchWorker(project);
        expect(batch.exitCode, String(batch.stderr)).toBe(0);
        for (const r of [...done, failed]) await r.refresh();
        expect(done.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);

        // A prune whose signal is aborted (a worker stopping) stops before its next batch.
        const manage = (await project.config.getBackend("default")).management();
        const now = new Date(Date.now() + 1000);
        const stopped = { finishedBefore: now, failedFinishedBefore: now, signal: AbortSignal.abort() };
        expect(await manage?.prune(stopped)).toBe(0);

        // TASKLANE_RETENTION_EVERY_MS: a pass every 200 ms instead of every hour.
        const worker = startWorker(project, [], { TASKLANE_RETENTION_EVERY_MS: "200" });
        const pruned = await worker.waitFor((e) => e.event === "pruned");
        expect(pruned).toMatchObject({ deleted: 3, olderThan: "0s", failedOlderThan: "1h" });
        worker.proc.kill("SIGTERM");
        const exited = await worker.proc;
        expect(exited.exitCode, String(exited.stderr)).toBe(0);
        // One pass deleted them all: no second pruned event (nothing left past its age).
        expect(worker.events.filter((e) => e.event === "pruned")).toHaveLength(1);

        const left = await manage?.listResults({ limit: 10 });
        const kept = new Map(left?.results.map((r) => [r.id, r.status]));
        expect(kept.get(failed.id)).toBe("FAILED");
        if (later) expect(kept.get(later.id)).toBe("READY");
        for (const r of done) expect(kept.has(r.id)).toBe(false);
        expect(kept.size).toBe(later ? 2 : 1);
      } finally {
        await project.cleanup();
      }
    });
  });
}
