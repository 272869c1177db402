import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enqueue, makeProject, type Project, startWorker } from "../helpers/project.js";

let project: Project;
beforeEach(async () => {
  project = await makeProject();
});
afterEach(async () => {
  await project.cleanup();
});

describe("honest logs", () => {
  it("a worker whose task was recovered while it was frozen logs its late outcome as dropped, not as done", async () => {
    // leaseMs 2000, heartbeatMs 200 (the project's config).
    const frozen = startWorker(project, ["--worker-id", "frozen"]);
    await frozen.waitFor((e) => e.event === "started");
    const task = await enqueue(project, "guarded", [2500]);
    await frozen.waitFor((e) => e.event === "taskStarted" && e.id === task.id);
    frozen.proc.kill("SIGSTOP"); // the whole process stops: no heartbeats, no progress
    const rescuer = startWorker(project, ["--worker-id", "rescuer"]);
    await rescuer.waitFor((e) => e.event === "recovered");
    await rescuer.waitFor((e) => e.event === "taskStarted" && e.id === task.id);
    frozen.proc.kill("SIGCONT");
    const late = await frozen.waitFor((e) => e.event === "taskFinished" && e.id === task.id);
    expect(late).toMatchObject({
      status: "SUCCEEDED",
      dropped: expect.stringMatching(/^not recorded: .*recovered it/),
    });
    await rescuer.waitFor((e) => e.event === "taskFinished" && e.id === task.id);
    for (const worker of [frozen, rescuer]) worker.proc.kill("SIGTERM");
    for (const exited of await Promise.all([frozen.proc, rescuer.proc])) expect(exited.exitCode).toBe(0);
    await task.refresh();
    // What counts is the rescuer's run: its attempt (2), after the lost one (WorkerLost).
    expect(task.status).toBe("SUCCEEDED");
    expect(task.returnValue).toBe(2);
    expect(task.workerIds).toEqual(["frozen", "rescuer"]);
    expect(task.errors.map((e) => e.exceptionClass)).toEqual(["WorkerLost"]);
  });
});
