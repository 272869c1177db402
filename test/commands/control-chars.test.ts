import { afterAll, beforeAll, expect, it } from "vitest";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../../src/testing/task-source.js";
import { tasks } from "../helpers/cli.js";
import { enqueue, makeProject, type Project, startWorker } from "../helpers/project.js";

/**
 * What a task throws is printed escaped wherever a command shows it: an escape sequence in an
 * error's class, message or traceback ("\u001b[2J" clears the screen, "\u001b]0;…\u0007" sets
 * the window's title) never reaches the operator's terminal as one. The children run with
 * NO_COLOR, so any ESC in their output came from the task.
 */

const CONFIG = `${SHARED_TASKS}
export const hostile = task(() => {
  const error = new Error("boom \\u001b[2J\\u001b[31m red\\nsecond \\u001b]0;owned\\u0007 line \\u009b1m");
  error.name = "Hostile\\u001b[5m";
  throw error;
});
/** Returns its argument: DEL and C1 characters in a value, which JSON.stringify leaves raw. */
export const echo = task((text: string) => text);

export default defineConfig({
  backends: { default: { backend: "sqlite", queues: ["default", "emails"], options: { path: "db/tasks.sqlite3" } } },
  tasks: { ${SHARED_TASK_NAMES}, hostile, echo },
});
`;

let project: Project;
let id: string;
let echoId: string;
let workerLog: string;
/** DEL, NEL (a line break on some terminals) and CSI (\u009b: ESC [ in one byte). */
const C1_TEXT = "a\u007fb\u0085c\u009b2Jd";
beforeAll(async () => {
  project = await makeProject(CONFIG);
  id = (await enqueue(project, "hostile")).id;
  echoId = (await enqueue(project, "echo", [C1_TEXT])).id;
  // No --json, stdout a pipe: the worker's plain log.
  const worker = await tasks(["worker", "--batch", "--no-startup-delay", "--config", project.configPath], {
    cwd: project.dir,
  });
  expect(worker.exitCode, String(worker.stderr)).toBe(0);
  workerLog = `${worker.stdout}${worker.stderr}`;
});
afterAll(async () => {
  await project?.cleanup();
});

const run = async (args: string[]) => {
  const child = await tasks([...args, "--config", project.configPath], { cwd: project.dir });
  expect(child.exitCode, String(child.stderr)).toBe(0);
  return `${child.stdout}${child.stderr}`;
};

/** No control character but the line breaks. */
function expectNoControl(output: string) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  expect(output.match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g) ?? []).toEqual([]);
}

/** No control character but the line breaks, and the sequences shown escaped. */
function expectEscaped(output: string) {
  expectNoControl(output);
  expect(output).toContain("boom \\u001b[2J\\u001b[31m red");
}

it("the worker's plain log line", () => {
  expect(workerLog).toContain(`${id} hostile FAILED`);
  expect(workerLog).toContain("Hostile\\u001b[5m: boom");
  expectEscaped(workerLog);
});

it("the worker's --json log: DEL and C1 characters written \\uXXXX too (JSON.stringify leaves them raw)", async () => {
  const again = await enqueue(project, "hostile");
  const worker = await tasks(["worker", "--batch", "--json", "--no-startup-delay", "--config", project.configPath], {
    cwd: project.dir,
  });
  expect(worker.exitCode, String(worker.stderr)).toBe(0);
  const lines = String(worker.stdout).trim().split("\n");
  const failed = lines.map((line) => JSON.parse(line)).find((e) => e.event === "taskFinished" && e.id === again.id);
  expect(failed?.error?.message).toContain("line \u009b1m"); // the same text, once parsed
  expectNoControl(String(worker.stdout));
});

it("tasks show: the error's class, message and traceback", async () => {
  const shown = await run(["show", id]);
  expect(shown).toContain("Hostile\\u001b[5m: boom");
  expect(shown).toContain("second \\u001b]0;owned\\u0007 line \\u009b1m");
  expect(shown).toContain("at "); // the traceback's frames are there, line by line
  expectEscaped(shown);
});

it("tasks errors, with and without --traceback", async () => {
  const table = await run(["errors"]);
  expect(table).toContain("Hostile\\u001b[5m");
  expectEscaped(table);
  const traced = await run(["errors", "--traceback"]);
  expect(traced).toContain("second \\u001b]0;owned\\u0007 line");
  expectEscaped(traced);
});

it("tasks why", async () => {
  expectEscaped(await run(["why", id]));
});

it("tasks enqueue --wait", async () => {
  const worker = startWorker(project);
  try {
    await worker.waitFor((e) => e.event === "started");
    const child = await tasks(["enqueue", "hostile", "--wait", "--timeout", "30s", "--config", project.configPath], {
      cwd: project.dir,
    });
    const output = `${child.stdout}${child.stderr}`;
    expect(output).toContain("Hostile\\u001b[5m: boom");
    expectEscaped(output);
  } finally {
    worker.proc.kill("SIGTERM");
    await worker.proc;
  }
});

it("tasks show, with and without --json: DEL and C1 characters in args and return value", async () => {
  const shown = await run(["show", echoId]);
  expect(shown).toContain("SUCCEEDED");
  // Once among the args, once as the return value; JSON.stringify alone leaves them raw.
  expect(shown.split('"a\\u007fb\\u0085c\\u009b2Jd"').length - 1).toBe(2);
  expectNoControl(shown);
  const json = await run(["show", echoId, "--json"]);
  expectNoControl(json);
  const parsed = JSON.parse(json) as { args: unknown[]; returnValue: unknown };
  expect(parsed.args).toEqual([C1_TEXT]);
  expect(parsed.returnValue).toBe(C1_TEXT);
});
