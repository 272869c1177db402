import { mkdirSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl, uniquePrefix } from "../../conformance/redis-server.js";
import { CHILD_ENV, tempDir, write } from "../../helpers/cli.js";

// A plain script that enqueues on the redis backend must end by itself once its last line ran,
// as it does on SQLite: an idle connection may not hold the process open.
const REPO = resolve(import.meta.dirname, "../../..");

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
  mkdirSync(join(temp.dir, "node_modules"));
  symlinkSync(REPO, join(temp.dir, "node_modules", "tasklane"));
  write(temp.dir, "package.json", '{ "type": "module" }');
});
afterEach(() => temp.cleanup());

const configFor = (url: string) => `import { defineConfig, task } from "tasklane";
export const double = task((x) => x * 2);
export default defineConfig({
  backends: { default: { backend: "redis", options: { url: ${JSON.stringify(url)}, prefix: "${uniquePrefix("exit")}" } } },
  tasks: { double },
});
`;

/** Runs the script; a hang is killed after 15 s (and fails the exit-time expectation). */
async function runScript(name: string) {
  const started = performance.now();
  const run = await execa("node", [name], { cwd: temp.dir, env: CHILD_ENV, reject: false, timeout: 15_000 });
  return { run, ms: performance.now() - started };
}

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("a script on the redis backend", () => {
    it("exits on its own after its last line (enqueue, then a read)", async () => {
      write(temp.dir, "tasks.config.mjs", configFor(redisUrl()));
      write(
        temp.dir,
        "app.mjs",
        `import { double } from "./tasks.config.mjs";
const result = await double.enqueue(21);
await result.refresh();
console.log(result.taskName, result.status);
`,
      );
      const { run, ms } = await runScript("app.mjs");
      expect(run.timedOut).toBe(false);
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toBe("double READY");
      expect(ms).toBeLessThan(5000);
    });

    it("await closeBackends() closes the connections; the script exits at once", async () => {
      write(temp.dir, "tasks.config.mjs", configFor(redisUrl()));
      write(
        temp.dir,
        "app.mjs",
        `import { closeBackends } from "tasklane";
import { double } from "./tasks.config.mjs";
await double.enqueueMany([[1], [2]]);
await closeBackends();
console.log("closed");
`,
      );
      const { run, ms } = await runScript("app.mjs");
      expect(run.timedOut).toBe(false);
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe("closed");
      expect(ms).toBeLessThan(5000);
    });
  });
} else {
  describe.skip("a script on the redis backend (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
