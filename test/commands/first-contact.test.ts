import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { BIN, CHILD_ENV } from "../helpers/cli.js";
import { enqueue, projectForFile, startWorker } from "../helpers/project.js";

const { project, cli } = projectForFile();

describe("what a newcomer reads", () => {
  it("enqueue --wait prints a failure once: the error line, then the rest of its stack", async () => {
    const worker = startWorker(project());
    await worker.waitFor((e) => e.event === "started");
    const run = await cli(["enqueue", "fail", "oh no", "--wait", "--timeout", "30s"]);
    worker.proc.kill("SIGTERM");
    await worker.proc;
    expect(run.exitCode).toBe(1);
    const lines = String(run.stdout).split("\n");
    expect(lines.filter((line) => line.includes("RangeError: oh no"))).toHaveLength(1);
    expect(lines[1]).toBe("RangeError: oh no");
    expect(lines[2]).toMatch(/^\s+at /);
  });

  it("a deferred task reads as SCHEDULED with its due time: in enqueue, results and show", async () => {
    const enqueued = await cli(["enqueue", "noop", "--run-after", "10m"]);
    expect(enqueued.stdout).toMatch(
      /^Enqueued noop as (\S+) \(SCHEDULED: due \d{4}-\d\d-\d\dT\S+Z \(in 9m\d*s?\)|in 10m\), queue default\)$/,
    );
    const id = /as (\S+) /.exec(String(enqueued.stdout))?.[1] ?? "";
    const listed = await cli(["results", "--limit", "1"]);
    expect(String(listed.stdout).split("\n")[1]).toMatch(/\bSCHEDULED in (9m|10m)/);
    const shown = await cli(["show", id]);
    expect(shown.stdout).toMatch(/^status\s+SCHEDULED \(READY, due \S+ \(in (9m|10m)/m);
    // The API and --json keep the real status.
    expect(JSON.parse(String((await cli(["show", id, "--json"])).stdout)).status).toBe("READY");
  });

  it("show says how long the last attempt ran, and the whole span when there were several", async () => {
    const worker = startWorker(project());
    const flaky = await enqueue(project(), "flakyThrice");
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === flaky.id && e.status === "SUCCEEDED");
    worker.proc.kill("SIGTERM");
    await worker.proc;
    const shown = await cli(["show", flaky.id]);
    expect(shown.stdout).toMatch(/^last attempt ran\s+\d/m);
    expect(shown.stdout).toMatch(/^in all\s+\S+ from the first start over 3 attempts$/m);
    expect(shown.stdout).toMatch(/^attempts\s+3 of 3 allowed$/m);
  });

  it("a task the worker does not know ends FAILED TaskNotFound with a traceback that says why", async () => {
    const other = join(project().dir, "other.config.ts");
    writeFileSync(
      other,
      `import { defineConfig, task } from "tasklane";
export const noop = task(() => null);
export default defineConfig({
  backends: { default: { backend: "sqlite", queues: ["default", "emails", "slow"], options: { path: "db/tasks.sqlite3" } } },
  tasks: { noop },
});
`,
    );
    const lonely = await enqueue(project(), "add", [1, 2]);
    const run = await execa("node", [BIN, "worker", "--batch", "--no-startup-delay", "--json", "--config", other], {
      reject: false,
      env: { ...CHILD_ENV },
    });
    expect(run.exitCode).toBe(0);
    await lonely.refresh();
    expect(lonely.status).toBe("FAILED");
    const [error] = lonely.errors;
    expect(error?.exceptionClass).toBe("TaskNotFound");
    expect(error?.traceback).toContain(`loaded ${other}`);
    expect(error?.traceback).toContain("it registers 1 task(s): noop");
    expect(error?.traceback).toContain('register "add" in defineConfig({ tasks })');
    const shown = await cli(["show", lonely.id]);
    expect(shown.stdout).toContain("it registers 1 task(s): noop");
    const grouped = await cli(["errors", "--traceback"]);
    expect(grouped.stdout).toContain("it registers 1 task(s): noop");
  });

  it("prune accepts an age of zero: every finished result", async () => {
    const dry = await cli(["prune", "--older-than", "0s", "--failed-older-than", "0d", "--dry-run", "--json"]);
    expect(dry.exitCode).toBe(0);
    const wouldDelete = JSON.parse(String(dry.stdout)).wouldDelete;
    expect(wouldDelete).toBeGreaterThan(0);
    const run = await cli(["prune", "--older-than", "0s", "--failed-older-than", "0d", "--json"]);
    expect(JSON.parse(String(run.stdout))).toEqual({ dryRun: false, deleted: wouldDelete });
    const left = JSON.parse(String((await cli(["results", "--json"])).stdout)) as { status: string }[];
    expect(left.map((r) => r.status)).toEqual(["READY"]); // the scheduled task stays
  });

  it("--since says that ISO dates work too", async () => {
    const run = await cli(["results", "--since", "yesterday"]);
    expect({ code: run.exitCode, stderr: run.stderr }).toEqual({
      code: 2,
      stderr:
        'Error: --since: "yesterday" is not a duration; use a positive number with a unit, e.g. 30s, 10m, 12h, 30d, or an ISO 8601 date such as 2026-11-29 or 2026-11-29T08:00',
    });
  });
});
