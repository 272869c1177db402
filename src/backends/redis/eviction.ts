import type { Redis } from "ioredis";
import { safeUrl } from "./connection.js";

/**
 * Redis's eviction policy, said once per process. BullMQ reads the policy on every connection it
 * makes (each Queue, each Worker and its blocking connection) and prints "IMPORTANT! Eviction
 * policy is … It should be "noeviction"" for each: three times for one CLI command, more for a
 * worker, without saying which Redis or what to do. tasklane reads it itself before it makes the
 * first BullMQ object for a Redis, says it in one line naming the URL and the fix, and drops
 * BullMQ's copies of it (that exact line only) from console.warn.
 */

/** BullMQ's line (bullmq/dist/…/redis-connection.js, getRedisVersionAndType). */
const BULLMQ_LINE = /^IMPORTANT! Eviction policy is \S+\. It should be "noeviction"$/;

/** The Redis URLs (password hidden) whose policy this process has read, with that read. */
const looked = new Map<string, Promise<void>>();
let silenced = false;

/** maxmemory_policy from the text of INFO memory (undefined when it is not there: a proxy, an old server). */
export function evictionPolicy(info: string): string | undefined {
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
}

/** The one line a process prints for a Redis whose policy may evict keys. */
export function evictionWarning(url: string, policy: string): string {
  return `Warning: Redis at ${safeUrl(url)} may evict tasks under memory pressure (maxmemory-policy ${policy}); run CONFIG SET maxmemory-policy noeviction on it (and set it in redis.conf)`;
}

/**
 * Reads the policy of the Redis at `url` (once per process) and prints evictionWarning() to
 * stderr when it is not noeviction. Call it before making a BullMQ Queue or Worker. An INFO that
 * fails says nothing here: the command that needs Redis reports the failure.
 */
export function warnIfEvicting(client: Redis, url: string): Promise<void> {
  silenceBullmqWarning();
  const key = safeUrl(url);
  let look = looked.get(key);
  if (!look) {
    look = client.info("memory").then(
      (info) => {
        const policy = evictionPolicy(info);
        if (policy !== undefined && policy !== "noeviction") process.stderr.write(`${evictionWarning(url, policy)}\n`);
      },
      () => {
        looked.delete(key);
      },
    );
    looked.set(key, look);
  }
  return look;
}

function silenceBullmqWarning(): void {
  if (silenced) return;
  silenced = true;
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (args.length === 1 && typeof args[0] === "string" && BULLMQ_LINE.test(args[0])) return;
    warn.apply(console, args);
  };
}
