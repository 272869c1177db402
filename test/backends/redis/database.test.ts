import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl, uniquePrefix } from "../../conformance/redis-server.js";
import { tasks, tempDir, write } from "../../helpers/cli.js";
import { enqueue, makeProject, type Project } from "../../helpers/project.js";

// The database part of the URL (redis://host:port/N): a database the server does not have used
// to run everything on database 0 (tasks check said ready), and one that is no number crashed
// with ioredis's raw "select NaN" stack trace.

const config = (url: string, prefix = "db-check") => `
import { defineConfig, task } from "tasklane";
export const add = task((a: number, b: number) => a + b);
export default defineConfig({
  backends: { default: { backend: "redis", options: { url: ${JSON.stringify(url)}, prefix: ${JSON.stringify(prefix)} } } },
  tasks: { add },
});
`;

/** The tests' Redis URL with this database path. */
function withDatabase(db: string): string {
  const url = new URL(redisUrl());
  url.pathname = `/${db}`;
  return url.toString();
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** `tasks …` in a folder whose config uses this URL. */
function cliWith(url: string, args: string[]) {
  const folder = tempDir();
  cleanups.push(folder.cleanup);
  write(folder.dir, "tasks.config.ts", config(url));
  return tasks(args, { cwd: folder.dir });
}

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("redis database in the URL", () => {
    it("a database the server does not have: tasks check reports it, other commands fail in one line", async () => {
      const url = withDatabase("16");
      const check = await cliWith(url, ["check"]);
      expect(check.exitCode).toBe(1);
      expect(check.stdout).toContain(
        `tasklane.E001 [error] backend "default" (redis) cannot be used: Redis at ${url} refused database 16 (ERR DB index is out of range): the server has 16 databases, 0–15 (its "databases" setting)`,
      );
      const results = await cliWith(url, ["results"]);
      expect(results.exitCode).toBe(1);
      expect(results.stderr.trim().split("\n")).toEqual([
        `Error: Redis at ${url} refused database 16 (ERR DB index is out of range): the server has 16 databases, 0–15 (its "databases" setting)`,
      ]);
    });

    it("a database that is no number: a config error naming the URL, no stack trace", async () => {
      const url = withDatabase("abc");
      for (const command of ["check", "results"]) {
        const run = await cliWith(url, [command]);
        expect(run.exitCode).toBe(2);
        expect(run.stderr.trim().split("\n")).toEqual([
          `Error: tasks.config.ts: backends.default.options.url: the database in ${url} must be a number, 0–15 on a default server (its "databases" setting), as in redis://127.0.0.1:6379/0`,
        ]);
      }
    });

    it("a database the server has: the tasks are stored there", async () => {
      const prefix = uniquePrefix("db");
      const p: Project = await makeProject(config(withDatabase("3"), prefix));
      cleanups.push(() => p.cleanup());
      await enqueue(p, "add", [1, 2]);
      const client = new Redis(withDatabase("3"));
      try {
        expect((await client.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
        await client.select(0);
        expect(await client.keys(`${prefix}:*`)).toEqual([]);
      } finally {
        client.disconnect();
      }
    });
  });
} else {
  describe.skip("redis database in the URL (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
