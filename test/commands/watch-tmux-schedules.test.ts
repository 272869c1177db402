import Database from "better-sqlite3";
import { expect, it } from "vitest";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../../src/testing/task-source.js";
import { BIN, tasks } from "../helpers/cli.js";
import { makeProject } from "../helpers/project.js";
import { canUseTmux, shellQuote, tmuxProject } from "../helpers/tmux.js";

/**
 * The Schedules tab of `tasks watch` (tmux, 100×30; see watch-tmux.test.ts for why CI, NO_COLOR
 * and NODE_ENV are unset) reads a schedule as `tasks schedules` does. A schedule without a zone
 * is stored in the local zone of the worker that stored it ("local:UTC"), which every worker then
 * reads it in: the watcher, in another zone, shows that zone and the stored next tick, overdue
 * when no worker has enqueued it.
 */

const CONFIG = `${SHARED_TASKS}
export default defineConfig({
  backends: { default: { backend: "sqlite", queues: ["default", "emails"], options: { path: "db/tasks.sqlite3" } } },
  tasks: { ${SHARED_TASK_NAMES} },
  schedules: { hourly: { task: noop, cron: "0 * * * *" } },
});
`;

const { screen, project } = tmuxProject("watch-schedules", () => makeProject(CONFIG));

it.skipIf(!canUseTmux)("shows a schedule stored in another worker's local zone in that zone, and due", async () => {
  const { dir, configPath } = project();
  // A worker in UTC stores the schedule; then no worker runs for two hours.
  const worker = await tasks(["worker", "--batch", "--no-startup-delay", "--config", configPath], {
    cwd: dir,
    env: { TZ: "UTC" },
  });
  expect(worker.exitCode, String(worker.stderr)).toBe(0);
  const db = new Database(`${dir}/db/tasks.sqlite3`);
  try {
    const row = db.prepare("SELECT timezone FROM tasklane_schedules WHERE name = 'hourly'").get();
    expect(row).toEqual({ timezone: "local:UTC" });
    db.prepare("UPDATE tasklane_schedules SET next_tick = ? WHERE name = 'hourly'").run(Date.now() - 2 * 3_600_000);
  } finally {
    db.close();
  }

  // tasks schedules, run elsewhere (Asia/Kolkata), reads it in UTC and says it is due ...
  const listed = await tasks(["schedules", "--config", configPath], { cwd: dir, env: { TZ: "Asia/Kolkata" } });
  expect(String(listed.stdout)).toMatch(/hourly\s+noop\s+0 \* \* \* \*\s+local \(UTC\)\s.*due/);

  // ... and so does the Schedules tab.
  const command = [
    `env -u CI -u NO_COLOR -u NODE_ENV TZ=Asia/Kolkata`,
    `node ${shellQuote(BIN)} watch --tab schedules --config ${shellQuote(configPath)}`,
  ].join(" ");
  screen.start(command, { x: 100, y: 30 }, dir);
  const text = await screen.waitForPane((t) => /hourly\s+noop/.test(t), "the Schedules tab");
  expect(text).toMatch(/hourly\s+noop\s+0 \* \* \* \*\s+local \(UTC\)\s+\S+\s+due 2h/);
});
