// The Redis that bench/redis.ts measures on: TASKLANE_REDIS_URL's, or a private redis-server.
import { startRedisServer } from "../test/helpers/redis-server.js";

/** TASKLANE_REDIS_URL, or a private redis-server (persistence off) stopped at the end. */
export async function startRedis(): Promise<{ url: string; stop: () => void }> {
  if (process.env.TASKLANE_REDIS_URL) return { url: process.env.TASKLANE_REDIS_URL, stop: () => {} };
  return startRedisServer();
}
