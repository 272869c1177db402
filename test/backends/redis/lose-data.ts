import { Redis } from "ioredis";
import { redisUrl } from "../../conformance/redis-server.js";

/** Deletes every key of the prefix: what a Redis restart without persistence (or a FLUSHDB) does to it. */
export async function loseData(prefix: string): Promise<void> {
  const client = new Redis(redisUrl());
  try {
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}
