import { Redis, type RedisOptions } from "ioredis";
import { REDIS_DEFAULTS } from "../../core/defaults.js";
import { ConfigError, TasklaneError } from "../../core/errors.js";
import { redactUrl } from "../../core/redact.js";
import { databaseOf } from "./database.js";
import { isPasswordRefusal, RedisUnavailableError, refusedPassword, UNREACHABLE_HINT } from "./errors.js";

/** The redis backend's options, validated by the zod schema in kind.ts. */
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

/** The URL without its credentials (password, `?password=`), for messages and `tasks info`. */
export function safeUrl(url: string): string {
  return redactUrl(url);
}

/** What a connection is for: the app's commands, or a worker's. */
export type ConnectionRole = "producer" | "worker";

/**
 * ioredis options for one connection: the URL's settings, then the user's `connection`, then
 * what tasklane needs.
 * - Worker connections retry every command until Redis is back (BullMQ requires
 *   maxRetriesPerRequest: null), so a completion sent during a restart is stored once Redis
 *   returns. The ready check holds commands back until a restarted Redis has loaded its data
 *   (without it they fail with LOADING, and a finished task would run again).
 * - The producer connection fails a command after two reconnect attempts (about a second), so an
 *   enqueue during an outage fails fast; `retry` says whether to keep reconnecting at all.
 */
export function redisOptions(settings: RedisSettings, role: ConnectionRole, retry = () => true): RedisOptions {
  return {
    // Close sockets at once on disconnect (ioredis waits 2 s for a server that never answers).
    disconnectTimeout: 100,
    ...(settings.connection as RedisOptions),
    connectTimeout: settings.connectTimeoutMs,
    lazyConnect: true,
    enableReadyCheck: true,
    ...(role === "worker"
      ? { maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(times * 100, 1000) }
      : {
          maxRetriesPerRequest: 2,
          retryStrategy: (times: number) => (retry() ? Math.min(times * 200, 2000) : null),
        }),
  };
}

/**
 * Selects the configured database again, now that the connection is up: ioredis's own SELECT
 * as it connects only reports a refusal as an "error" event, and its commands then run on
 * database 0. A database the server does not have fails here, in one line naming the URL.
 */
async function selectDatabase(client: Redis, settings: RedisSettings): Promise<void> {
  const db = databaseOf(settings.url, settings.connection);
  if (Number.isNaN(db)) {
    throw new ConfigError(
      `the redis backend's connection.db must be a database number (0–15 on a default server), not ${JSON.stringify(settings.connection.db)}`,
    );
  }
  if (db === 0) return;
  try {
    await client.select(db);
  } catch (error) {
    if ((error as Error).name !== "ReplyError") throw error;
    const reply = await client.config("GET", "databases").catch(() => []);
    const count = Number((reply as string[])[1]);
    const has =
      count > 0
        ? `the server has ${count} databases, 0–${count - 1} (its "databases" setting)`
        : `see its "databases" setting`;
    throw new RedisUnavailableError(
      `Redis at ${safeUrl(settings.url)} refused database ${db} (${(error as Error).message.split("\n")[0]}): ${has}`,
    );
  }
}

/**
 * Opens a connection and proves it with a PING, or throws RedisUnavailableError naming the
 * URL (password hidden) after at most connectTimeoutMs: never a hang, whatever the network does.
 * `prepare` sees the client before it connects (to attach listeners).
 */
export async function connect(
  settings: RedisSettings,
  role: ConnectionRole,
  options: { retry?: () => boolean; prepare?: (client: Redis) => void } = {},
): Promise<Redis> {
  const client = new Redis(settings.url, redisOptions(settings, role, options.retry));
  let lastError: Error | undefined;
  // A refused AUTH is followed by NOAUTH replies (ioredis's SELECT of the URL's database, the
  // PING): the first one is the reason.
  let refused: Error | undefined;
  // ioredis reports every failed reconnect as an "error" event; an unhandled one is printed.
  client.on("error", (error: Error) => {
    lastError = error;
    if (!refused && isPasswordRefusal(error)) refused = error;
  });
  options.prepare?.(client);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(lastError?.message ?? `no answer within ${settings.connectTimeoutMs} ms`)),
      settings.connectTimeoutMs,
    );
  });
  try {
    await Promise.race([
      client
        .connect()
        .then(() => client.ping())
        .then(() => selectDatabase(client, settings)),
      timeout,
    ]);
    return client;
  } catch (error) {
    client.disconnect();
    if (error instanceof TasklaneError) throw error;
    const where = `cannot connect to Redis at ${safeUrl(settings.url)}`;
    if (refused) throw new RedisUnavailableError(`${where}: ${refusedPassword(refused)}`);
    const why = (lastError ?? (error as Error)).message.split("\n")[0];
    throw new RedisUnavailableError(`${where}: ${why}; ${UNREACHABLE_HINT}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a connection: QUIT, or a plain disconnect when Redis does not answer within a moment
 * (a QUIT queued behind commands waiting for an unreachable Redis would wait with them).
 */
export async function closeClient(client: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1000);
  });
  await Promise.race([client.quit().catch(() => {}), giveUp]);
  clearTimeout(timer);
  client.disconnect();
}
