import { Redis, type RedisOptions } from "ioredis";
import { REDIS_DEFAULTS } from "../../core/defaults.js";
import { RedisUnavailableError } from "./errors.js";

export { RedisUnavailableError } from "./errors.js";

/** The redis backend's options, validated by the zod schema in src/config/kinds.ts. */
export interface RedisSettings {
  url: string;
  /** BullMQ's key prefix; tasklane's own keys live beside the queues as `<prefix>::…`. */
  prefix: string;
  /** Extra ioredis options (tls, username, password, db, family, …), merged over the URL's. */
  connection: Record<string, unknown>;
  connectTimeoutMs: number;
  /** How often a worker refreshes its entry in the registry (`tasks watch`). */
  heartbeatMs: number;
  /** BullMQ's job lock: a worker that stops renewing it for this long has stalled. */
  lockDurationMs: number;
  /** How often workers look for stalled jobs (BullMQ's stalled-job check). */
  stalledIntervalMs: number;
}

export function readSettings(options: Record<string, unknown>): RedisSettings {
  const num = (key: string, fallback: number) =>
    typeof options[key] === "number" ? (options[key] as number) : fallback;
  return {
    url: typeof options.url === "string" ? options.url : REDIS_DEFAULTS.url,
    prefix: typeof options.prefix === "string" ? options.prefix : REDIS_DEFAULTS.prefix,
    connection: (options.connection as Record<string, unknown> | undefined) ?? {},
    connectTimeoutMs: num("connectTimeoutMs", REDIS_DEFAULTS.connectTimeoutMs),
    heartbeatMs: num("heartbeatMs", REDIS_DEFAULTS.heartbeatMs),
    lockDurationMs: num("lockDurationMs", REDIS_DEFAULTS.lockDurationMs),
    stalledIntervalMs: num("stalledIntervalMs", REDIS_DEFAULTS.stalledIntervalMs),
  };
}

/** The URL with its password replaced by "***", for messages and `tasks info`. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/(:\/\/[^:/@]*:)[^@/]*@/, "$1***@");
  }
}

/**
 * Keys tasklane keeps beside BullMQ's. BullMQ's keys are `<prefix>:<queue>:…` and a queue name
 * is never empty, so `<prefix>::…` can never collide with a queue's keys.
 */
export function ownKeys(prefix: string) {
  const base = `${prefix}::`;
  return {
    /** ZSET, all scores 0, members "<id> <queue>": the id → queue index, in id (= enqueue) order. */
    index: `${base}index`,
    /** SET of queue names that ever had a task. */
    queues: `${base}queues`,
    /** HASH id → JSON record of cancelled results (BullMQ has no cancelled state). */
    cancelled: `${base}cancelled`,
    /** ZSET per queue: cancelled ids scored by when they were cancelled (for prune and counts). */
    cancelledAt: (queue: string) => `${base}cancelled-at:${queue}`,
    /** HASH worker id → JSON registration and heartbeat. */
    workers: `${base}workers`,
  };
}
export type OwnKeys = ReturnType<typeof ownKeys>;

/**
 * ioredis options for one connection: the URL's settings, then the user's `connection`, then
 * what tasklane needs. `blocking` connections (BullMQ workers) must retry commands forever
 * (BullMQ requires maxRetriesPerRequest: null); the producer connection fails fast instead.
 */
export function redisOptions(settings: RedisSettings, blocking: boolean): RedisOptions {
  return {
    // Close sockets at once on disconnect (ioredis waits 2 s for a server that never answers).
    disconnectTimeout: 100,
    ...(settings.connection as RedisOptions),
    connectTimeout: settings.connectTimeoutMs,
    lazyConnect: true,
    ...(blocking
      ? { maxRetriesPerRequest: null, enableReadyCheck: false }
      : { maxRetriesPerRequest: 2, retryStrategy: (times: number) => Math.min(times * 200, 2000) }),
  };
}

/**
 * Opens a connection and proves it with a PING, or throws RedisUnavailableError naming the
 * URL (password hidden) after at most connectTimeoutMs: never a hang, whatever the network does.
 */
export async function connect(settings: RedisSettings, blocking = false): Promise<Redis> {
  const client = new Redis(settings.url, redisOptions(settings, blocking));
  let lastError: Error | undefined;
  // ioredis reports every failed reconnect as an "error" event; an unhandled one is printed.
  client.on("error", (error: Error) => {
    lastError = error;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(lastError?.message ?? `no answer within ${settings.connectTimeoutMs} ms`)),
      settings.connectTimeoutMs,
    );
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
    return client;
  } catch (error) {
    client.disconnect();
    const why = (lastError ?? (error as Error)).message.split("\n")[0];
    throw new RedisUnavailableError(`cannot connect to Redis at ${safeUrl(settings.url)}: ${why}`);
  } finally {
    clearTimeout(timer);
  }
}
