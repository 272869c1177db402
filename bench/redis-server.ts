// The Redis that bench/redis.ts measures on: TASKLANE_REDIS_URL's, or a private redis-server.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../test/helpers/free-port.js";
import { sleep } from "./stats.js";

/** TASKLANE_REDIS_URL, or a private redis-server (persistence off) stopped at the end. */
export async function startRedis(): Promise<{ url: string; stop: () => void }> {
  if (process.env.TASKLANE_REDIS_URL) return { url: process.env.TASKLANE_REDIS_URL, stop: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "tasklane-bench-redis-"));
  const port = await freePort();
  const pidfile = join(dir, "redis.pid");
  execFileSync("redis-server", [
    ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    ...["--daemonize", "yes", "--pidfile", pidfile, "--dir", dir, "--logfile", join(dir, "redis.log")],
  ]);
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      break;
    } catch (error) {
      client.disconnect();
      if (i > 50) throw error;
      await sleep(100);
    }
  }
  return {
    url,
    stop: () => {
      try {
        process.kill(Number(readFileSync(pidfile, "utf8")), "SIGTERM");
      } catch {}
      // Redis may still write its log as it exits: retry the removal a moment.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
    },
  };
}
