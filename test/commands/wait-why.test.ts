import { describe, expect, it } from "vitest";
import { projectForFile, startWorker } from "../helpers/project.js";

// `tasks enqueue --wait` on a task nothing will start says why at once (a note on stdout), keeps
// waiting, and at its timeout names the first reason `tasks why` gives.
const { project, cli } = projectForFile();
const NO_WORKER = 'no live worker takes queue "emails" (no worker is running: start one with `tasks worker`)';
const TIMED_OUT = (task: string, after: string, status: string) =>
  new RegExp(
    `^Error: timed out after ${after}: ${task} \\S+ is still ${status}; look it up later with: tasks show \\S+`,
  );

describe("enqueue --wait on a task nothing will start", () => {
  it("with no worker: says so before waiting, and the timeout line does not say it twice", async () => {
    const run = await cli(["enqueue", "emails", "ada@example.com", "--wait", "--timeout", "1s"]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe(`Waiting up to 1s, but ${NO_WORKER}`);
    expect(run.stderr).toMatch(TIMED_OUT("emails", "1s", "READY"));
    expect(run.stderr).not.toContain("why:");
    expect(String(run.stderr).split("\n")).toHaveLength(1);
  });

  it("under --json: no note (stdout stays JSON only), the reason in the timeout line", async () => {
    const run = await cli(["enqueue", "emails", "dee@example.com", "--wait", "--timeout", "1s", "--json"]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(TIMED_OUT("emails", "1s", "READY"));
    expect(run.stderr).toContain(`; why: ${NO_WORKER}`);
  });

  it("keeps waiting: a worker started after the note runs the task, and the command succeeds", async () => {
    const run = cli(["enqueue", "emails", "bob@example.com", "--wait", "--timeout", "60s"]);
    await new Promise<void>((resolve) => {
      let seen = "";
      run.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("Waiting up to 60s")) resolve();
      });
    });
    const worker = startWorker(project(), ["--queue", "emails"]);
    const done = await run;
    worker.proc.kill("SIGTERM");
    await worker.proc;
    expect(done.exitCode).toBe(0);
    expect(done.stderr).toBe("");
    const lines = String(done.stdout).split("\n");
    expect(lines[0]).toBe(`Waiting up to 60s, but ${NO_WORKER}`);
    expect(lines.slice(1).join("\n")).toMatch(/SUCCEEDED/);
    expect(done.stdout).toContain("bob@example.com");
  });

  it("on a paused queue with a live worker: names the pause, not the worker", async () => {
    const worker = startWorker(project(), ["--queue", "emails"]);
    await worker.waitFor((e) => e.event === "started");
    expect((await cli(["pause", "emails"])).exitCode).toBe(0);
    const run = await cli(["enqueue", "emails", "cy@example.com", "--wait", "--timeout", "1s"]);
    expect((await cli(["resume", "emails"])).exitCode).toBe(0);
    worker.proc.kill("SIGTERM");
    await worker.proc;
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /^Waiting up to 1s, but queue "emails" is paused since .+: no worker starts its tasks \(`tasks resume emails` lets workers take them again\)$/,
    );
    expect(run.stderr).toMatch(TIMED_OUT("emails", "1s", "READY"));
    expect(`${run.stdout}${run.stderr}`).not.toContain("no live worker");
  });

  it("on a task that is running: no note, and the timeout line says where it runs", async () => {
    const worker = startWorker(project(), ["--queue", "default"]);
    await worker.waitFor((e) => e.event === "started");
    // Long enough that a loaded machine's worker has started it well before the timeout.
    const run = await cli(["enqueue", "sleep", "60000", "--wait", "--timeout", "4s"]);
    worker.proc.kill("SIGKILL");
    await worker.proc;
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(String(run.stderr).split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(TIMED_OUT("sleep", "4s", "RUNNING"));
    expect(run.stderr).toMatch(/; why: it is running on \S+, attempt 1 of 1, started /);
  });
});
