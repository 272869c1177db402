import { describe, expect, it } from "vitest";
import { appFolder } from "../helpers/app-folder.js";
import { tasks } from "../helpers/cli.js";

// App code the config imports reads its settings from the environment as it loads, and in
// development those live in a .env file beside it.
const DB_MODULE = `if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is not set");
export const url = process.env.DATABASE_URL;
`;
const CONFIG = `import { defineConfig, task } from "tasklane";
import { url } from "./db.ts";
export const whereTo = task(() => url);
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: ".tasks/tasks.sqlite3" } } },
  tasks: { whereTo },
});
`;

const folder = appFolder({
  "db.ts": DB_MODULE,
  "tasks.config.ts": CONFIG,
  ".env": "# local settings\nDATABASE_URL=postgres://localhost/dev\n",
});

const run = (args: string[], env: Record<string, string | undefined> = {}) =>
  tasks(args, { cwd: folder(), env: { DATABASE_URL: undefined, ...env } });

describe("--dotenv", () => {
  it("without it, a config that needs a variable of the .env beside it says how to load it", async () => {
    const refused = await run(["results"]);
    expect({ code: refused.exitCode, stderr: refused.stderr }).toEqual({
      code: 2,
      stderr:
        "Error: tasks.config.ts:2: the config threw while loading: DATABASE_URL is not set (tasks reads no .env by itself: pass --dotenv .env)",
    });
  });

  it("loads the file before the config, for every command and the worker's tasks; a variable already set wins", async () => {
    expect((await run(["results", "--dotenv", ".env"])).exitCode).toBe(0);
    const enqueued = await run(["enqueue", "whereTo", "--dotenv", ".env", "--json"]);
    const { id } = JSON.parse(String(enqueued.stdout));
    expect((await run(["worker", "--batch", "--no-startup-delay", "--dotenv", ".env"])).exitCode).toBe(0);
    const shown = await run(["show", id, "--dotenv", ".env", "--json"]);
    expect(JSON.parse(String(shown.stdout)).returnValue).toBe("postgres://localhost/dev");

    const again = await run(["enqueue", "whereTo", "--dotenv", ".env", "--json"], {
      DATABASE_URL: "postgres://prod/db",
    });
    const second = JSON.parse(String(again.stdout)).id;
    const worker = await run(["worker", "--batch", "--no-startup-delay", "--dotenv", ".env"], {
      DATABASE_URL: "postgres://prod/db",
    });
    expect(worker.exitCode).toBe(0);
    const shownAgain = await run(["show", second, "--dotenv", ".env", "--json"]);
    expect(JSON.parse(String(shownAgain.stdout)).returnValue).toBe("postgres://prod/db");
  });

  it("a file that is not there is a usage error naming it", async () => {
    const missing = await run(["results", "--dotenv", "missing.env"]);
    expect({ code: missing.exitCode, stderr: missing.stderr }).toEqual({
      code: 2,
      stderr: "Error: --dotenv: no file missing.env",
    });
  });
});
