import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

/**
 * A private redis-server (persistence off) on a free loopback port, daemonized in a temp
 * folder, answering PING when this resolves; stop() ends it and removes the folder. For the
 * redis test files without TASKLANE_REDIS_URL (conformance/redis-server.ts) and the bench's
 * standalone runs (bench/redis-server.ts).
 */
export async function startRedisServer(): Promise<{ url: string; stop: () => void }> {
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

/**
 * Resolves once the redis-server on this port answers PING (after loading its data: PING answers
 * LOADING until then, polled here rather than by ioredis's ready check, which waits up to a second
 * between looks). Rejects after `timeoutMs`, or as soon as `gone()` says the server exited.
 */
export async function waitForPing(
  port: number,
  options: { password?: string; timeoutMs?: number; gone?: () => boolean } = {},
): Promise<void> {
  const { Redis } = await import("ioredis");
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    if (options.gone?.()) throw new Error(`redis-server on port ${port} exited at start`);
    const client = new Redis({
      port,
      host: "127.0.0.1",
      password: options.password,
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
}
