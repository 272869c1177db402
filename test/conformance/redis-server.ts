import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "../helpers/free-port.js";

/**
 * Redis for the redis test files. CI (.ci/run) starts one server and exports
 * TASKLANE_REDIS_URL; without it a file starts its own redis-server on a free port (and stops
 * it afterwards). Tests keep apart through a unique key prefix each, so files run in parallel.
 * Without Redis the files skip locally, but fail under CI=true: CI must never skip them.
 */

const hasBinary = () => spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

/** Whether redis tests can run here (a URL is given or redis-server is installed). */
export const redisAvailable: boolean = Boolean(process.env.TASKLANE_REDIS_URL) || hasBinary();

/** CI must run the redis tests: there, a missing Redis is a failure, not a skip. */
export const mustRunRedis = process.env.CI === "true" || process.env.CI === "1";

let url: string | undefined;

/** The URL of the Redis the tests use (valid inside tests, after provideRedis()'s beforeAll). */
export function redisUrl(): string {
  if (!url) throw new Error("redis is not started: call provideRedis() in the test file");
  return url;
}

/** A key prefix no other test uses. */
export function uniquePrefix(label = "t"): string {
  return `tl-${label}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

async function startServer(): Promise<{ url: string; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "tasklane-redis-"));
  const pidfile = join(dir, "redis.pid");
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      execFileSync("redis-server", [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "yes",
        "--pidfile",
        pidfile,
        "--dir",
        dir,
        "--logfile",
        join(dir, "redis.log"),
      ]);
      const started = `redis://127.0.0.1:${port}`;
      await waitForPing(port);
      return {
        url: started,
        stop: () => {
          try {
            process.kill(Number(readFileSync(pidfile, "utf8").trim()), "SIGTERM");
          } catch {}
          // Redis may still write its log while it exits: retry the removal for a moment.
          rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
        },
      };
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`could not start redis-server: ${(lastError as Error)?.message}`);
}

async function waitForPing(port: number): Promise<void> {
  const { Redis } = await import("ioredis");
  const deadline = Date.now() + 5000;
  for (;;) {
    const client = new Redis({
      port,
      host: "127.0.0.1",
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch (error) {
      client.disconnect();
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Registers beforeAll/afterAll that provide Redis for this file (TASKLANE_REDIS_URL or a server of its own). */
export function provideRedis(): void {
  let stop: (() => void) | undefined;
  beforeAll(async () => {
    if (process.env.TASKLANE_REDIS_URL) {
      url = process.env.TASKLANE_REDIS_URL;
      return;
    }
    if (!hasBinary()) {
      throw new Error(
        "Redis is unavailable: set TASKLANE_REDIS_URL or install redis-server (CI installs it in .ci/run)",
      );
    }
    const server = await startServer();
    url = server.url;
    stop = server.stop;
  }, 30_000);
  afterAll(() => stop?.());
}
