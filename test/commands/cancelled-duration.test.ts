import { afterAll, beforeAll, expect, it } from "vitest";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../../src/testing/task-source.js";
import { tasks } from "../helpers/cli.js";
import { enqueue, makeProject, type Project } from "../helpers/project.js";

/**
 * A task cancelled while it waited for its retry ran once, but its finishedAt is when it was
 * cancelled: its DURATION is not the time from that attempt's start to the cancel (the wait),
 * and the store keeps no end of the attempt, so it reads "-".
 */

const CONFIG = `${SHARED_TASKS}
/** Fails, then waits an hour before its next attempt. */
export const retryLater = task({ maxAttempts: 3, backoff: { type: "fixed", delayMs: 3_600_000, jitter: 0 } }, () => {
  throw new Error("gateway timeout");
});

export default defineConfig({
  backends: { default: { backend: "sqlite", queues: ["default", "emails"], options: { path: "db/tasks.sqlite3" } } },
  tasks: { ${SHARED_TASK_NAMES}, retryLater },
});
`;

let project: Project;
let id: string;
const run = async (args: string[]) => {
  const child = await tasks([...args, "--config", project.configPath], { cwd: project.dir });
  expect(child.exitCode, String(child.stderr)).toBe(0);
  return String(child.stdout);
};

beforeAll(async () => {
  project = await makeProject(CONFIG);
  id = (await enqueue(project, "retryLater")).id;
  await run(["worker", "--batch", "--no-startup-delay"]);
  expect(JSON.parse(await run(["show", id, "--json"]))).toMatchObject({ status: "READY", attempts: 1 });
  await run(["cancel", id]);
});
afterAll(async () => {
  await project?.cleanup();
});

const rowOf = (text: string) => text.split("\n").find((line) => line.includes(id.slice(-12))) ?? "";
// ENQUEUED reads "just now" for the first second, then "2s ago": a fast machine gets here within it.

it("tasks results", async () => {
  expect(rowOf(await run(["results"]))).toMatch(
    /retryLater\s+CANCELLED\s+default\s+0\s+(\S+ ago|just now)\s+-\s+1\/3$/,
  );
});

it("tasks watch --once (the overview's results)", async () => {
  expect(rowOf(await run(["watch", "--once"]))).toMatch(
    /retryLater\s+CANCELLED\s+default\s+(\S+ ago|just now)\s+-\s+1\/3$/,
  );
});

it("tasks show", async () => {
  const shown = await run(["show", id]);
  expect(shown).toMatch(/^last attempt ran\s+-$/m);
});
