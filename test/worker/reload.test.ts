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
    /** The next "started" event after this point: a worker (re)started later than now. */
    const nextStart = () => {
      const seen = worker.events.length;
      return worker.waitFor((e) => e.event === "started" && worker.events.indexOf(e) >= seen);
    };
    /** What the current worker's `version` task returns. */
    const version = async () => {
      const result = await enqueue(project, "version");
      await worker.waitFor((e) => e.event === "taskFinished" && e.id === result.id);
      await result.refresh();
      return result.returnValue;
    };
    await worker.waitFor((e) => e.event === "started");

    expect(await version()).toBe("v1");

    const long = await enqueue(project, "slow", [1500]);
    await worker.waitFor((e) => e.event === "taskStarted" && e.id === long.id);
    const restarted = nextStart();
    writeJobs(jobs("v2"));
    await restarted;
    await long.refresh();
    expect(long.status).toBe("SUCCEEDED");
    expect(long.returnValue).toBe("slow v1");

    expect(await version()).toBe("v2");

    // Broken code: the supervisor says so and keeps the running worker (old code) alive.
    writeJobs(`${jobs("v3")}\nexport const broken = ;\n`);
    let stderr = "";
    worker.proc.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    while (!stderr.includes("does not load")) await new Promise((resolve) => worker.proc.stderr?.once("data", resolve));
    expect(stderr).toMatch(/jobs\.ts:\d+:\d+: syntax error/);
    expect(await version()).toBe("v2");

    // Fixed: the next change reloads again.
    const fixed = nextStart();
    writeJobs(jobs("v4"));
    await fixed;
    expect(await version()).toBe("v4");
    // Only code changes reload: the worker's own files and logs in the folder do not.
    writeFileSync(join(project.dir, "worker.log"), "a log line\n");
    expect(await version()).toBe("v4");
    expect(worker.events.filter((e) => e.event === "started")).toHaveLength(3);

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
