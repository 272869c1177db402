import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mustRunRedis } from "../../conformance/redis-server.js";
import { tasks, tempDir, write } from "../../helpers/cli.js";
import { RedisProcess } from "./redis-process.js";

// Every credential form ioredis accepts stays out of what the CLI prints: `tasks info` (text
// and JSON), `tasks check` and `tasks watch --once`, against a Redis that requires the password
// (so check and watch really connect with it).
const hasRedisServer = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

const config = (options: string) => `
import { defineConfig, task } from "tasklane";
export const add = task((a: number, b: number) => a + b);
export default defineConfig({
  backends: { default: { backend: "redis", options: ${options} } },
  tasks: { add },
});
`;

async function cliOutputs(options: string): Promise<{ args: string; out: string; exitCode: number | undefined }[]> {
  const { dir, cleanup } = tempDir();
  try {
    write(dir, "tasks.config.ts", config(options));
    const outputs = [];
    for (const args of [["info"], ["info", "--json"], ["check"], ["watch", "--once"]]) {
      const run = await tasks(args, { cwd: dir, timeout: 20_000 });
      outputs.push({ args: args.join(" "), out: `${run.stdout}\n${run.stderr}`, exitCode: run.exitCode });
    }
    return outputs;
  } finally {
    cleanup();
  }
}

if (hasRedisServer || mustRunRedis) {
  describe("redis credentials are never printed", () => {
    const secret = "S3CR";
    const tricky = "pa@ss";
    let plain: RedisProcess;
    let atSign: RedisProcess;
    beforeAll(async () => {
      plain = await RedisProcess.start({ password: secret });
      atSign = await RedisProcess.start({ password: tricky });
    });
    afterAll(async () => {
      await plain?.stop();
      await atSign?.stop();
    });

    it("?password= in the URL", async () => {
      const url = `redis://127.0.0.1:${plain.port}/0?password=${secret}`;
      for (const { args, out, exitCode } of await cliOutputs(`{ url: ${JSON.stringify(url)} }`)) {
        expect(exitCode, `${args}: ${out}`).toBe(0);
        expect(out, args).not.toContain(secret);
      }
    });

    it("an unencoded @ in the URL's password, and a username:password pair", async () => {
      for (const url of [
        `redis://:${tricky}@127.0.0.1:${atSign.port}`,
        `redis://default:${tricky}@127.0.0.1:${atSign.port}`,
      ]) {
        for (const { args, out, exitCode } of await cliOutputs(`{ url: ${JSON.stringify(url)} }`)) {
          expect(exitCode, `${args}: ${out}`).toBe(0);
          expect(out, args).not.toContain("pa@");
          expect(out, args).not.toContain("@ss");
          expect(out, args).toMatch(/redis:\/\/(default)?:\*\*\*@127\.0\.0\.1/);
        }
      }
    });

    it("connection.password", async () => {
      const url = `redis://127.0.0.1:${plain.port}`;
      const outputs = await cliOutputs(`{ url: ${JSON.stringify(url)}, connection: { password: "${secret}" } }`);
      for (const { args, out, exitCode } of outputs) {
        expect(exitCode, `${args}: ${out}`).toBe(0);
        expect(out, args).not.toContain(secret);
      }
    });

    it("a wrong password: the error names the URL without it", async () => {
      const url = `redis://:wrong-${secret}@127.0.0.1:${plain.port}`;
      const { dir, cleanup } = tempDir();
      try {
        write(dir, "tasks.config.ts", config(`{ url: ${JSON.stringify(url)}, connectTimeoutMs: 2000 }`));
        const run = await tasks(["enqueue", "add", "1", "2"], { cwd: dir, timeout: 20_000 });
        expect(run.exitCode).toBe(1);
        expect(String(run.stderr).trim().split("\n")).toHaveLength(1);
        expect(run.stderr).toMatch(/redis:\/\/:\*\*\*@127\.0\.0\.1/);
        expect(`${run.stdout}${run.stderr}`).not.toContain(secret);
      } finally {
        cleanup();
      }
    });

    it("a wrong password with a database in the URL: the message says the password was refused, not NOAUTH", async () => {
      const { dir, cleanup } = tempDir();
      try {
        for (const path of ["/2", ""]) {
          const url = `redis://:wrong-${secret}@127.0.0.1:${plain.port}${path}`;
          write(dir, "tasks.config.ts", config(`{ url: ${JSON.stringify(url)}, connectTimeoutMs: 2000 }`));
          for (const args of [["enqueue", "add", "1", "2"], ["worker", "--no-startup-delay"], ["results"]]) {
            const run = await tasks(args, { cwd: dir, timeout: 20_000 });
            expect(run.exitCode, `${path} ${args[0]}`).toBe(1);
            const lines = String(run.stderr).trim().split("\n");
            expect(lines, `${path} ${args[0]}`).toHaveLength(1);
            expect(lines[0]).toMatch(
              new RegExp(
                `^Error: cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${plain.port}${path}: the password was refused \\((WRONGPASS|ERR invalid password)[^)]*\\); check the password \\(and username\\) in the backend's url or connection options$`,
              ),
            );
          }
        }
      } finally {
        cleanup();
      }
    });
  });
} else {
  describe.skip("redis credentials (no redis-server here)", () => {
    it("needs redis-server", () => {});
  });
}
