import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { type SignalEvent, signals } from "../../src/core/signals.js";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../../src/testing/task-source.js";
import { runWorker } from "../../src/worker/run-worker.js";
import { tasks } from "../helpers/cli.js";
import { enqueue, makeProject, type Project } from "../helpers/project.js";

// Two backend aliases may name one SQLite file (say, to run the reports queue with workers of
// their own). Each worker syncs its backend's schedules into the file as it starts, dropping the
// ones its config no longer has: it must count the schedules of every alias on that file as its
// own, or each alias's workers drop the other's schedules and those never fire.

const CONFIG = `${SHARED_TASKS}
export const nightly = task((day: string) => day);
export const weekly = task({ backend: "reports", queueName: "reports" }, (week: string) => week);
export default defineConfig({
  backends: {
    default: { backend: "sqlite", queues: ["default", "emails", "slow"], options: { path: "db/tasks.sqlite3" } },
    // The same file, spelled another way: paths are compared once resolved.
    reports: { backend: "sqlite", queues: ["reports"], options: { path: "./db/../db/tasks.sqlite3" } },
  },
  tasks: { ${SHARED_TASK_NAMES}, nightly, weekly },
  schedules: {
    nightlyReport: { task: nightly, cron: "0 3 * * *", args: ["daily"] },
    weeklyReport: { task: weekly, cron: "0 4 * * 1", args: ["weekly"] },
  },
});
`;

let project: Project | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

function storedSchedules(p: Project): string[] {
  const db = new Database(join(p.dir, "db/tasks.sqlite3"), { readonly: true });
  try {
    return (db.prepare("SELECT name FROM tasklane_schedules ORDER BY name").all() as { name: string }[]).map(
      (row) => row.name,
    );
  } finally {
    db.close();
  }
}

describe("schedules of two backends on one SQLite file", () => {
  it("the workers of either backend keep both backends' schedules", async () => {
    project = await makeProject(CONFIG);
    const p = project;
    const worker = (alias: string) =>
      tasks(["worker", "--batch", "--no-startup-delay", "--backend", alias, "--config", p.configPath], { cwd: p.dir });
    for (const alias of ["default", "reports", "default"]) {
      const run = await worker(alias);
      expect(run.exitCode, String(run.stderr)).toBe(0);
      expect(storedSchedules(p), `after a worker of ${alias}`).toEqual(["nightlyReport", "weeklyReport"]);
    }
    const listed = await tasks(["schedules", "--json", "--config", p.configPath], { cwd: p.dir });
    expect(listed.exitCode, String(listed.stderr)).toBe(0);
    expect((JSON.parse(String(listed.stdout)) as { name: string }[]).map((row) => row.name)).toEqual([
      "nightlyReport",
      "weeklyReport",
    ]);
  });

  it("a tick fired by the other alias's worker is announced as its own task's backend", async () => {
    // Every second, one schedule per alias; one worker, of "default", fires both.
    project = await makeProject(
      CONFIG.replace('cron: "0 3 * * *"', 'cron: "* * * * * *"').replace('cron: "0 4 * * 1"', 'cron: "* * * * * *"'),
    );
    const seen = new Map<string, { sender: string; result: string }>();
    let bothSeen: () => void = () => {};
    const both = new Promise<void>((resolve) => {
      bothSeen = resolve;
    });
    const handler = (event: SignalEvent) => {
      seen.set(event.taskResult.taskName, { sender: event.sender.alias, result: event.taskResult.backend });
      if (seen.has("nightly") && seen.has("weekly")) bothSeen();
    };
    signals.taskEnqueued.connect(handler);
    const worker = runWorker({ backend: "default", startupDelay: false });
    try {
      await both;
    } finally {
      worker.stop();
      await worker;
      signals.taskEnqueued.disconnect(handler);
    }
    expect(seen.get("nightly")).toEqual({ sender: "default", result: "default" });
    expect(seen.get("weekly")).toEqual({ sender: "reports", result: "reports" });
  });
});

describe("tasks prune on two backends of one SQLite file", () => {
  it("prunes only the named backend's queues, as retention does", async () => {
    project = await makeProject(CONFIG);
    const p = project;
    const cli = (args: string[]) => tasks([...args, "--config", p.configPath], { cwd: p.dir });
    const mine = await enqueue(p, "weekly", ["w1"]);
    const theirs = await enqueue(p, "add", [1, 2]);
    for (const alias of ["default", "reports"]) {
      const run = await cli(["worker", "--batch", "--no-startup-delay", "--backend", alias]);
      expect(run.exitCode, String(run.stderr)).toBe(0);
    }
    const dry = await cli(["prune", "--backend", "reports", "--older-than", "0s", "--dry-run", "--json"]);
    expect(JSON.parse(String(dry.stdout))).toEqual({ dryRun: true, wouldDelete: 1 });
    // A queue of the other backend leaves nothing to prune here (and says so).
    const other = await cli(["prune", "--backend", "reports", "--older-than", "0s", "--queue", "default"]);
    expect(String(other.stdout)).toMatch(/^Deleted 0 task results: no queue "default" in backend "reports"/);
    const pruned = await cli(["prune", "--backend", "reports", "--older-than", "0s", "--json"]);
    expect(JSON.parse(String(pruned.stdout))).toEqual({ dryRun: false, deleted: 1 });
    // Before, it deleted default's result too: the whole file's finished results.
    await expect(theirs.refresh()).resolves.toBeUndefined();
    expect(theirs.status).toBe("SUCCEEDED");
    await expect(mine.refresh()).rejects.toThrow(/No task result/);
  });
});

describe("hints on a backend other than default", () => {
  it("name it, so that following them acts on that backend", async () => {
    project = await makeProject(CONFIG);
    const p = project;
    const cli = (args: string[]) => tasks([...args, "--config", p.configPath], { cwd: p.dir });
    const waiting = await enqueue(p, "weekly", ["w1"]);
    const why = await cli(["why", waiting.id, "--backend", "reports"]);
    expect(String(why.stdout)).toContain("no worker is running: start one with `tasks worker --backend reports`");
    expect((await cli(["pause", "reports", "--backend", "reports"])).exitCode).toBe(0);
    expect(String((await cli(["results", "--backend", "reports"])).stdout)).toContain(
      "their tasks wait until `tasks resume --backend reports`",
    );
    const snapshot = await cli(["watch", "--once", "--backend", "reports"]);
    expect(String(snapshot.stdout)).toContain("start one with `tasks worker --backend reports`");
    await enqueue(p, "fail", ["no luck"], { backend: "reports", queueName: "reports" });
    expect((await cli(["resume", "reports", "--backend", "reports"])).exitCode).toBe(0);
    expect((await cli(["worker", "--batch", "--no-startup-delay", "--backend", "reports"])).exitCode).toBe(0);
    expect(String((await cli(["errors", "--backend", "reports"])).stdout)).toContain(
      "tasks retry --group N --backend reports (its FAILED results) · tasks cancel --group N --backend reports",
    );
    // The default backend's hints stay as they were.
    expect(String((await cli(["why", (await enqueue(p, "add", [1, 2])).id])).stdout)).toContain(
      "start one with `tasks worker`",
    );
  });
});

describe("an id asked of the wrong backend", () => {
  it("says which other backends the config has, suggesting none it did not look in", async () => {
    // Three backends, the id in the last: "try --backend reports" (the first other) was wrong.
    const config = `${SHARED_TASKS}
export const archived = task({ backend: "archive", queueName: "archive" }, (n: number) => n);
export default defineConfig({
  backends: {
    default: { backend: "sqlite", queues: ["default", "emails", "slow"], options: { path: "db/tasks.sqlite3" } },
    reports: { backend: "sqlite", queues: ["reports"], options: { path: "db/reports.sqlite3" } },
    archive: { backend: "sqlite", queues: ["archive"], options: { path: "db/archive.sqlite3" } },
  },
  tasks: { ${SHARED_TASK_NAMES}, archived },
});
`;
    project = await makeProject(config);
    const p = project;
    const elsewhere = await enqueue(p, "archived", [1]);
    const shown = await tasks(["show", elsewhere.id, "--config", p.configPath], { cwd: p.dir });
    expect(String(shown.stderr)).toBe(
      `Error: no task result with an id matching "${elsewhere.id}" in backend "default" (the config has others: reports, archive; --backend NAME looks in one)`,
    );
  });
});
