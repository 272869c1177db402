import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isGone, ownIdentity, startOf } from "../../src/backends/sqlite/local-process.js";
import { enqueue, makeProject, PROJECT_CONFIG, type Project, startWorker } from "../helpers/project.js";

// The default lease (30 s): only the same-host check can bring a killed worker's task back fast.
const CONFIG = PROJECT_CONFIG.replace("heartbeatMs: 200, leaseMs: 2000", "heartbeatMs: 5000, leaseMs: 30000");

let project: Project;
beforeEach(async () => {
  project = await makeProject(CONFIG);
});
afterEach(async () => {
  await project.cleanup();
});

describe("instant recovery on the same host", () => {
  it("kill -9 of a worker: another worker on the host takes its task back at once, not after the 30 s lease", async () => {
    const victim = startWorker(project, ["--queue", "default", "--worker-id", "victim"]);
    const survivor = startWorker(project, ["--queue", "slow", "--worker-id", "survivor"]);
    await Promise.all([victim, survivor].map((w) => w.waitFor((e) => e.event === "started")));
    const task = await enqueue(project, "guarded", [60_000]);
    await victim.waitFor((e) => e.event === "taskStarted" && e.id === task.id);
    // The survivor re-reads who runs on this host every 2 s: give it that long to see the victim.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const killedAt = Date.now();
    victim.proc.kill("SIGKILL");
    await victim.proc;
    const recovered = await survivor.waitFor((e) => e.event === "recovered");
    const tookMs = Date.now() - killedAt;
    expect(recovered.tasks).toEqual([{ id: task.id, status: "READY" }]);
    expect(tookMs).toBeLessThan(10_000); // far under the lease; bench/BENCHMARKS.md has the figure
    await task.refresh();
    expect(task.status).toBe("READY");
    expect(task.errors.map((e) => e.exceptionClass)).toEqual(["WorkerLost"]);
    expect(task.errors[0]?.message).toMatch(/^worker victim ended \(its process is gone, seen from the same host\)/);
    const db = new Database(`${project.dir}/db/tasks.sqlite3`, { readonly: true });
    expect(db.prepare("SELECT state FROM tasklane_workers WHERE id = 'victim'").pluck().get()).toBe("dead");
    db.close();
    survivor.proc.kill("SIGTERM");
    expect((await survivor.proc).exitCode).toBe(0);
  });

  it("a pid is the same process only with the same start time (a reused pid is not mistaken)", () => {
    const me = ownIdentity();
    expect(me).not.toBeNull();
    const start = startOf(process.pid);
    expect(start).toBe(me?.start);
    expect(isGone(process.pid, start as string)).toBe(false);
    expect(isGone(process.pid, `${start}0`)).toBe(true); // same pid, another start: another process
    expect(isGone(2 ** 22 + 7, "1")).toBe(true); // no such pid
  });
});
