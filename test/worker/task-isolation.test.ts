import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, CHILD_ENV } from "../helpers/cli.js";
import { enqueue, makeProject, PROJECT_CONFIG, type Project, startWorker } from "../helpers/project.js";

// A task that ends its process, or throws from a callback, fails itself, not its worker.
const TASKS = `
export const exits = task((code: number) => {
  log("exits called");
  process.exit(code);
});
export const exitsLater = task(async () => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  setTimeout(() => process.exit(3), 0);
  await new Promise((resolve) => setTimeout(resolve, 60_000));
});
export const throwsInTimer = task(async () => {
  setTimeout(() => {
    throw new SyntaxError("thrown from a timer");
  }, 10);
  await new Promise((resolve) => setTimeout(resolve, 60_000));
});
export const leavesRejection = task(async () => {
  void Promise.reject(new RangeError("nobody awaited me"));
  await new Promise((resolve) => setTimeout(resolve, 60_000));
});
export const exitsTwiceRetried = task({ maxAttempts: 2 }, () => process.exit(1));
// Thrown values whose reads throw: a message getter (also read when the stack is formatted), a
// Proxy whose every trap throws (instanceof included), an object whose toJSON and toString throw.
const unreadableError = () => {
  const error = new TypeError("never read");
  Object.defineProperty(error, "message", { get() { throw new Error("message getter"); } });
  return error;
};
const hostileProxy = () => new Proxy({}, {
  get() { throw new Error("get trap"); },
  getPrototypeOf() { throw new Error("prototype trap"); },
});
export const throwsUnreadable = task(() => { throw unreadableError(); });
export const throwsProxy = task(() => { throw hostileProxy(); });
export const throwsUnprintable = task(() => {
  throw { toJSON() { throw new Error("toJSON"); }, toString() { throw new Error("toString"); } };
});
export const proxyInTimer = task(async () => {
  setTimeout(() => { throw hostileProxy(); }, 10);
  await new Promise((resolve) => setTimeout(resolve, 60_000));
});
`;
const CONFIG = PROJECT_CONFIG.replace("export default defineConfig", `${TASKS}\nexport default defineConfig`).replace(
  "tasks: {",
  "tasks: { exits, exitsLater, throwsInTimer, leavesRejection, exitsTwiceRetried, throwsUnreadable, throwsProxy, throwsUnprintable, proxyInTimer,",
);

let project: Project;
afterEach(async () => {
  await project?.cleanup();
});

/**
 * Enqueues each call for a live worker, waits until each has finished, stops the worker with
 * SIGTERM (it must exit 0, not killed) and re-reads the results.
 */
async function runEach(calls: [string, unknown[]?][]) {
  project = await makeProject(CONFIG);
  const worker = startWorker(project);
  await worker.waitFor((e) => e.event === "started");
  const results = [];
  for (const [name, args] of calls) results.push(await enqueue(project, name, args));
  for (const r of results) {
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === r.id && e.status !== "READY");
  }
  worker.proc.kill("SIGTERM");
  const exited = await worker.proc;
  expect({ code: exited.exitCode, signal: exited.signal }).toEqual({ code: 0, signal: undefined });
  for (const r of results) await r.refresh();
  return { results, worker };
}

describe("a task cannot take its worker down", () => {
  it("process.exit(), a throw in a timer and an unhandled rejection fail the task; the worker keeps serving", async () => {
    const { results, worker } = await runEach([
      ["exits", [1]],
      ["exitsLater"],
      ["throwsInTimer"],
      ["leavesRejection"],
      ["exitsTwiceRetried"],
      ["add", [2, 3]],
    ]);
    const [exits, exitsLater, throwsInTimer, leavesRejection, retried, add] = results;
    expect(exits?.status).toBe("FAILED");
    expect(exits?.errors.map((e) => e.exceptionClass)).toEqual(["ProcessExit"]);
    expect(exits?.errors[0]?.message).toMatch(/the task called process\.exit\(1\); a task must throw/);
    expect(exitsLater?.errors.map((e) => [e.exceptionClass, e.message])).toEqual([
      ["ProcessExit", expect.stringMatching(/process\.exit\(3\)/)],
    ]);
    expect(throwsInTimer?.errors.map((e) => [e.exceptionClass, e.message])).toEqual([
      ["SyntaxError", "thrown from a timer"],
    ]);
    expect(throwsInTimer?.errors[0]?.traceback).toMatch(/in a callback it scheduled/);
    expect(leavesRejection?.errors.map((e) => [e.exceptionClass, e.message])).toEqual([
      ["RangeError", "nobody awaited me"],
    ]);
    // An exit counts as a failed attempt like any other: retried while attempts are left.
    expect(retried?.status).toBe("FAILED");
    expect(retried?.attempts).toBe(2);
    expect(add?.status).toBe("SUCCEEDED");
    expect(add?.returnValue).toBe(5);
    // Every log line made it out (nothing buffered was lost to an exit).
    const finished = worker.events.filter((e) => e.event === "taskFinished").map((e) => e.id);
    for (const r of results) expect(finished).toContain(r.id);
  });

  it("a thrown value whose reads throw fails its task with what could be read; the worker keeps serving", async () => {
    const { results } = await runEach([
      ["throwsUnreadable"],
      ["throwsProxy"],
      ["throwsUnprintable"],
      ["proxyInTimer"],
      ["add", [2, 3]],
    ]);
    const [unreadable, proxy, unprintable, inTimer, add] = results;
    expect(unreadable?.errors.map((e) => [e.exceptionClass, e.message])).toEqual([
      ["TypeError", "its message could not be read (Error: message getter)"],
    ]);
    expect(unreadable?.errors[0]?.traceback).toBe("TypeError: its message could not be read (Error: message getter)");
    expect([proxy?.status, proxy?.errors.map((e) => [e.exceptionClass, e.message])]).toEqual([
      "FAILED",
      [["object", "the thrown value could not be read (Error: prototype trap)"]],
    ]);
    expect(unprintable?.errors.map((e) => [e.exceptionClass, e.message])).toEqual([
      ["object", "the thrown value could not be read (Error: toString)"],
    ]);
    expect([inTimer?.status, inTimer?.errors.map((e) => e.message)]).toEqual([
      "FAILED",
      ["the thrown value could not be read (Error: prototype trap)"],
    ]);
    expect([add?.status, add?.returnValue]).toEqual(["SUCCEEDED", 5]);
  });
});

describe("signals while the worker starts", () => {
  it("a SIGTERM during start-up (config still loading) is a clean stop: exit 0, not killed by the signal", async () => {
    project = await makeProject();
    for (const delayMs of [300, 600, 1000]) {
      const proc = execa("node", [BIN, "worker", "--no-startup-delay", "--config", project.configPath], {
        reject: false,
        stdin: "ignore",
        env: { ...CHILD_ENV, TASKLANE_TEST_DIR: project.dir },
      });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      proc.kill("SIGTERM");
      const exited = await proc;
      expect({ delayMs, code: exited.exitCode, signal: exited.signal, stderr: exited.stderr }).toEqual({
        delayMs,
        code: 0,
        signal: undefined,
        stderr: "",
      });
    }
  });
});

describe("a worker whose last writes fail", () => {
  it("says which tasks it could not record and exits 1 (the lock held by another process)", async () => {
    project = await makeProject(PROJECT_CONFIG.replace("heartbeatMs: 200,", "heartbeatMs: 200, busyTimeoutMs: 200,"));
    const worker = startWorker(project);
    await worker.waitFor((e) => e.event === "started");
    const slow = await enqueue(project, "sleep", [1500]);
    await worker.waitFor((e) => e.event === "taskStarted" && e.id === slow.id);
    const holder = execa("node", [
      join(import.meta.dirname, "fixtures/hold-lock.mjs"),
      join(project.dir, "db/tasks.sqlite3"),
      "8000",
    ]);
    await new Promise<void>((resolve) => holder.stdout?.once("data", () => resolve()));
    worker.proc.kill("SIGTERM");
    const exited = await worker.proc;
    expect(exited.exitCode).toBe(1);
    expect(String(exited.stderr).trim().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Error: could not record 1 finished task\\(s\\) before stopping \\(.*\\): ${slow.id}; they stay RUNNING`,
        ),
      ),
    ]);
    holder.kill("SIGKILL");
    await holder.catch(() => {});
  });
});
