import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { stoppedLine } from "../../src/cli/worker-reporters.js";
import { BIN, CHILD_ENV } from "../helpers/cli.js";
import { enqueue, makeProject, PROJECT_CONFIG, type Project } from "../helpers/project.js";

const TASKS = `
export const failsOnLines = task(() => {
  throw new Error("first line\\nsecond line\\r\\nthird line");
});
export const failsAtLength = task((length: number) => {
  throw new RangeError("y".repeat(length));
});
`;
const CONFIG = PROJECT_CONFIG.replace("export default defineConfig", `${TASKS}\nexport default defineConfig`).replace(
  "tasks: {",
  "tasks: { failsOnLines, failsAtLength,",
);

let project: Project;
afterEach(async () => {
  await project?.cleanup();
});

describe("the worker's plain log", () => {
  it("keeps each failure on its one line: a message's first line, at most 500 characters", async () => {
    project = await makeProject(CONFIG);
    const [lines, long, fits] = [
      await enqueue(project, "failsOnLines"),
      await enqueue(project, "failsAtLength", [1_000_000]),
      await enqueue(project, "failsAtLength", [500]),
    ];
    // stdout is a pipe, not a terminal: the plain reporter, one line per event.
    const run = await execa("node", [BIN, "worker", "--batch", "--no-startup-delay", "--config", project.configPath], {
      reject: false,
      stdin: "ignore",
      env: { ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir },
    });
    expect({ code: run.exitCode, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
    const out = run.stdout.split("\n");
    for (const line of out) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+Z /);
    const finished = (id: string) => out.find((line) => line.includes(` ${id} `) && line.includes(" FAILED in "));
    expect(finished(lines.id)).toMatch(
      new RegExp(
        `FAILED in [\\d.]+ms Error: first line … 24 more characters: tasks show ${lines.id} --json prints it all$`,
      ),
    );
    expect(finished(long.id)).toMatch(
      new RegExp(
        `FAILED in [\\d.]+ms RangeError: y{500} … 999,500 more characters: tasks show ${long.id} --json prints it all$`,
      ),
    );
    expect(finished(fits.id)).toMatch(/FAILED in [\d.]+ms RangeError: y{500}$/);
    // The stored error is whole: only the log line is cut.
    await long.refresh();
    expect(long.errors[0]?.message).toHaveLength(1_000_000);
  });
});

describe("the worker's plain log on a stop", () => {
  it("names the signals, not a key: a log file or a process manager has no Ctrl+C", async () => {
    project = await makeProject(CONFIG);
    const worker = execa("node", [BIN, "worker", "--no-startup-delay", "--config", project.configPath], {
      reject: false,
      stdin: "ignore",
      env: { ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir },
    });
    await new Promise<void>((resolve) => {
      let seen = "";
      worker.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes(" started (pid ")) resolve();
      });
    });
    worker.kill("SIGTERM");
    const run = await worker;
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(
      /Z shutting down gracefully, running tasks will finish \(a second SIGINT or SIGTERM forces it\)$/m,
    );
    expect(run.stdout).not.toContain("Ctrl+C");
  });
});

describe("the stopped line", () => {
  it("counts dropped ends without naming one cause for all (a recovery, or a Redis job gone)", () => {
    // It said "dropped (recovered from this worker meanwhile)", untrue of a job evicted from Redis.
    const line = stoppedLine({ workerId: "w", succeeded: 3, failed: 1, retried: 0, dropped: 2, forced: false }, false);
    expect(line).toMatch(
      /worker w stopped: 3 succeeded, 1 failed, 0 retried; 2 dropped \(their ends were not recorded; each one's line says why\)$/,
    );
  });
});
