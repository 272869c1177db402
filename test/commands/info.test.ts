import { afterEach, describe, expect, it } from "vitest";
import { tasks } from "../helpers/cli.js";
import { makeProject, type Project } from "../helpers/project.js";

const CONFIG = `
import { defineConfig, task } from "tasklane";
export const fetchFeed = task({ timeoutMs: 30_000, unique: true }, (url: string) => url);
export const report = task(
  { unique: { key: (day: string) => day, scope: { periodMs: 3_600_000 } }, concurrency: { key: (day: string) => day, limit: 2 } },
  (day: string) => day,
);
export const plain = task(() => null);
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: "db/tasks.sqlite3" } } },
  tasks: { fetchFeed, report, plain },
});
`;

let project: Project;
afterEach(async () => {
  await project?.cleanup();
});

describe("tasks info", () => {
  it("lists each task's timeout, unique hold and per-key concurrency (text and --json)", async () => {
    project = await makeProject(CONFIG);
    const info = (args: string[]) => tasks(["info", ...args, "--config", project.configPath], { cwd: project.dir });
    const text = String((await info([])).stdout).split("\n");
    expect(text).toContain("  fetchFeed  backend=default queue=default priority=0 timeoutMs=30000 unique=active");
    expect(text).toContain(
      "  report  backend=default queue=default priority=0 unique=period:3600000ms concurrency=2/key",
    );
    expect(text).toContain("  plain  backend=default queue=default priority=0");
    const json = JSON.parse(String((await info(["--json"])).stdout));
    const byName = Object.fromEntries(json.tasks.map((t: { name: string }) => [t.name, t]));
    expect(byName.fetchFeed).toMatchObject({
      timeoutMs: 30_000,
      unique: { scope: "active", key: "arguments" },
      concurrency: null,
    });
    expect(byName.report).toMatchObject({
      timeoutMs: null,
      unique: { scope: { periodMs: 3_600_000 }, key: "function" },
      concurrency: { limit: 2 },
    });
    expect(byName.plain).toMatchObject({ timeoutMs: null, unique: null, concurrency: null });
  });
});
