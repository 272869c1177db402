import { spawnSync } from "node:child_process";
import { afterAll, beforeAll } from "vitest";
import { startRedisServer } from "../helpers/redis-server.js";

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
    const server = await startRedisServer();
    url = server.url;
    stop = server.stop;
  }, 30_000);
  afterAll(() => stop?.());
}
