import { afterEach, describe, expect, it } from "vitest";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../../src/testing/task-source.js";
import { tasks, tempDir, write } from "../helpers/cli.js";
import { makeProject, type Project } from "../helpers/project.js";

// The schedules and unique tasks as an operator meets them: through the real `tasks` binary.

const config = (extra: string) => `${SHARED_TASKS}
export const nightly = task((day: string) => day);
export const once = task({ unique: true, timeoutMs: 5000 }, (to: string) => to);
${extra}
export default defineConfig({
  backends: { default: { backend: "sqlite", queues: ["default", "emails"], options: { path: "db/tasks.sqlite3" } } },
  tasks: { ${SHARED_TASK_NAMES}, nightly, once },
  schedules: SCHEDULES,
});
`;

let project: Project | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

const run = (args: string[]) => {
  if (!project) throw new Error("no project");
  return tasks([...args, "--config", project.configPath], { cwd: project.dir });
};

describe("tasks schedules, check, enqueue and show", () => {
  it("a bad expression is a config error naming the schedule: one line, exit 2", async () => {
    const { dir, cleanup } = tempDir();
    try {
      write(
        dir,
        "tasks.config.ts",
        config('const SCHEDULES = { nightlyReport: { task: nightly, cron: "0 25 * * *", args: ["daily"] } };'),
      );
      const checked = await tasks(["check"], { cwd: dir });
      expect(checked.exitCode).toBe(2);
      const lines = String(checked.stderr).trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^Error: tasks\.config\.ts: schedules\["nightlyReport"\]\.cron: "0 25 \* \* \*" is not a valid cron expression \(.*hour.*\); write 5 fields/,
      );
    } finally {
      cleanup();
    }
  });

  it("lists schedules before any worker ran (next run from now), and says when there are none", async () => {
    project = await makeProject(
      config(
        'const SCHEDULES = { nightlyReport: { task: nightly, cron: "0 3 * * *", args: ["daily"], timezone: "Europe/Paris" } };',
      ),
    );
    const listed = await run(["schedules", "--json"]);
    expect(listed.exitCode, String(listed.stderr)).toBe(0);
    const [row] = JSON.parse(String(listed.stdout)) as Record<string, unknown>[];
    expect(row).toMatchObject({ name: "nightlyReport", task: "nightly", lastRun: null, catchUp: "latest" });
    const next = new Date(String(row?.nextRun));
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", timeStyle: "short" }).format(next)).toBe(
      "03:00",
    );
    const checked = await run(["check"]);
    expect(checked.exitCode, String(checked.stdout)).toBe(0);
    expect(String(checked.stdout)).toMatch(
      /tasklane\.I002 \[info\] schedule "nightlyReport" \(0 3 \* \* \*, Europe\/Paris\)/,
    );
    await project.cleanup();
    // No zone of its own: check says which zone it read the expression in.
    project = await makeProject(
      config('const SCHEDULES = { hourly: { task: nightly, cron: "0 * * * *", args: ["h"] } };'),
    );
    const local = await tasks(["check", "--config", project.configPath], {
      cwd: project.dir,
      env: { TZ: "Asia/Tokyo" },
    });
    expect(String(local.stdout)).toMatch(
      /tasklane\.I002 \[info\] schedule "hourly" \(0 \* \* \* \*, local: Asia\/Tokyo\)/,
    );
    await project.cleanup();
    project = await makeProject(config("const SCHEDULES = {};"));
    const none = await run(["schedules"]);
    expect(String(none.stdout)).toMatch(/^No schedules\./);
    expect(JSON.parse(String((await run(["schedules", "--json"])).stdout))).toEqual([]);
  });

  it("tasks enqueue of a held unique key prints the existing result, deduplicated; tasks show gives its unique key and timeout", async () => {
    project = await makeProject(config("const SCHEDULES = {};"));
    const first = await run(["enqueue", "once", "ada@example.com", "--json"]);
    const second = await run(["enqueue", "once", "ada@example.com", "--json"]);
    expect(first.exitCode, String(first.stderr)).toBe(0);
    const a = JSON.parse(String(first.stdout)) as Record<string, unknown>;
    const b = JSON.parse(String(second.stdout)) as Record<string, unknown>;
    expect(a.deduplicated).toBeUndefined();
    expect(b).toMatchObject({ id: a.id, deduplicated: true, uniqueKey: '["ada@example.com"]' });
    const plain = await run(["enqueue", "once", "ada@example.com"]);
    expect(String(plain.stdout).trim()).toBe(
      `Already enqueued (its unique key is held): once as ${a.id} (READY, queue default)`,
    );
    const shown = await run(["show", String(a.id)]);
    expect(shown.exitCode, String(shown.stderr)).toBe(0);
    expect(String(shown.stdout)).toMatch(/timeout\s+5000 ms per attempt/);
    expect(String(shown.stdout)).toMatch(/unique key\s+\["ada@example\.com"\]/);
    expect(String(shown.stdout)).not.toMatch(/schedule/);
  });
});
