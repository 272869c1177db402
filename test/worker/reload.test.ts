import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enqueue, makeProject, type Project, startWorker } from "../helpers/project.js";

const CONFIG = `
import { defineConfig } from "tasklane";
import { slow, version } from "./jobs";
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: "db/tasks.sqlite3" } } },
  tasks: { slow, version },
});
`;
const jobs = (label: string) => `
import { task } from "tasklane";
export const version = task(() => "${label}");
export const slow = task(async (ms: number) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return "slow ${label}";
});
`;

let project: Project;
beforeEach(async () => {
  project = await makeProject(CONFIG.replace("./jobs", "./jobs.ts"), { "jobs.ts": jobs("v1") });
});
afterEach(async () => {
  await project.cleanup();
});

function writeJobs(text: string) {
  writeFileSync(join(project.dir, "jobs.ts"), text);
}

describe("tasks worker --reload", () => {
  it("restarts on a code change after the running task finishes; the next task runs the new code", async () => {
    const worker = startWorker(project, ["--reload"]);
    const startedCount = () => worker.events.filter((e) => e.event === "started").length;
    await worker.waitFor((e) => e.event === "started");

    const before = await enqueue(project, "version");
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === before.id);
    await before.refresh();
    expect(before.returnValue).toBe("v1");

    const long = await enqueue(project, "slow", [1500]);
    await worker.waitFor((e) => e.event === "taskStarted" && e.id === long.id);
    writeJobs(jobs("v2"));
    await worker.waitFor((e) => e.event === "started" && startedCount() >= 2);
    await long.refresh();
    expect(long.status).toBe("SUCCEEDED");
    expect(long.returnValue).toBe("slow v1");

    const after = await enqueue(project, "version");
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === after.id);
    await after.refresh();
    expect(after.returnValue).toBe("v2");

    // Broken code: the supervisor says so and keeps the running worker (old code) alive.
    writeJobs(`${jobs("v3")}\nexport const broken = ;\n`);
    let stderr = "";
    worker.proc.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    while (!stderr.includes("does not load")) await new Promise((resolve) => worker.proc.stderr?.once("data", resolve));
    expect(stderr).toMatch(/jobs\.ts:\d+:\d+: syntax error/);
    const during = await enqueue(project, "version");
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === during.id);
    await during.refresh();
    expect(during.returnValue).toBe("v2");

    // Fixed: the next change reloads again.
    writeJobs(jobs("v4"));
    await worker.waitFor((e) => e.event === "started" && startedCount() >= 3);
    const fixed = await enqueue(project, "version");
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === fixed.id);
    await fixed.refresh();
    expect(fixed.returnValue).toBe("v4");

    worker.proc.kill("SIGTERM");
    expect((await worker.proc).exitCode).toBe(0);
  });

  it("--reload with --batch warns and runs a plain batch worker", async () => {
    const done = await enqueue(project, "version");
    const worker = startWorker(project, ["--reload", "--batch"]);
    const result = await worker.proc;
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/--reload is ignored with --batch/);
    await done.refresh();
    expect(done.returnValue).toBe("v1");
  });
});
