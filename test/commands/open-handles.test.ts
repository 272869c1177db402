import { describe, expect, it } from "vitest";
import { appFolder } from "../helpers/app-folder.js";
import { tasks } from "../helpers/cli.js";

// An app's tasks.config.ts imports its own modules, and those often hold the event loop: a
// database pool, a Redis client, a timer. A command must still end when its work is done.
const DB_MODULE = `export const pool = setInterval(() => {}, 1000); // like a connection pool's keep-alive
export const query = async (sql: string) => sql.length;
`;
const CONFIG = `import { defineConfig, task } from "tasklane";
import { query } from "./db.ts";
export const count = task(async (sql: string) => query(sql));
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: ".tasks/tasks.sqlite3" } } },
  tasks: { count },
});
`;

const folder = appFolder({ "db.ts": DB_MODULE, "tasks.config.ts": CONFIG });

describe("a config whose imports keep the event loop busy", () => {
  it("does not keep a finished command running: enqueue, results, show, watch and a failed command all exit", async () => {
    // The timeout only ends a command that hangs (the bug): each returns in well under a second.
    const run = (args: string[]) => tasks(args, { cwd: folder(), timeout: 60_000 });
    const enqueued = await run(["enqueue", "count", "select 1", "--json"]);
    expect({ code: enqueued.exitCode, timedOut: enqueued.timedOut }).toEqual({ code: 0, timedOut: false });
    const { id } = JSON.parse(String(enqueued.stdout));
    for (const args of [["results"], ["show", id], ["watch"], ["info"]]) {
      const done = await run(args);
      expect({ args, code: done.exitCode, timedOut: done.timedOut }).toEqual({ args, code: 0, timedOut: false });
    }
    const refused = await run(["show", "ffffffffffff"]);
    expect({ code: refused.exitCode, timedOut: refused.timedOut }).toEqual({ code: 2, timedOut: false });
    const worked = await run(["worker", "--batch", "--no-startup-delay"]);
    expect({ code: worked.exitCode, timedOut: worked.timedOut }).toEqual({ code: 0, timedOut: false });
  });
});
