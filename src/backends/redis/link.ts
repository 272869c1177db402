import type { Redis } from "ioredis";
import { closeClient, connect, type RedisSettings, safeUrl } from "./connection.js";
import { isTransportError, redisFailure } from "./errors.js";

/**
 * The backend's shared connection, shaped so a script that enqueues and ends exits on its own:
 * - its socket holds the process open only while a command is in flight (`use`), never while idle;
 * - while idle it does not reconnect after a drop (a reconnect timer would hold the process open
 *   too): the next use opens a new connection instead (`onReplaced` lets the backend drop what
 *   it built on the old one).
 */
export class ProducerLink {
  #opening: Promise<Redis> | null = null;
  #client: Redis | null = null;
  #busy = 0;
  /** The last connection error, which explains an ioredis "max retries" failure. */
  #lastError: Error | undefined;

  constructor(
    readonly settings: RedisSettings,
    readonly onReplaced: () => void,
  ) {}

  /** The open connection (proven with a PING on first use); RedisUnavailableError when unreachable. */
  client(): Promise<Redis> {
    if (this.#client && this.#client.status === "end") this.#forget();
    if (!this.#opening) {
      const opening = connect(this.settings, "producer", {
        retry: () => this.#busy > 0,
        prepare: (client) => {
          client.on("error", (error: Error) => {
            this.#lastError = error;
          });
          // A reconnect makes a new socket: it gets the current ref state.
          client.on("connect", () => this.#applyRef());
        },
      });
      this.#opening = opening;
      opening.then(
        (client) => {
          if (this.#opening === opening) this.#client = client;
          this.#applyRef();
        },
        () => {
          if (this.#opening === opening) this.#opening = null;
        },
      );
    }
    return this.#opening;
  }

  /**
   * Runs `fn` with the connection held (the process stays alive until it settles) and turns a
   * Redis failure into RedisUnavailableError naming the URL (password hidden) and what to check.
   */
  async use<T>(fn: () => Promise<T>): Promise<T> {
    this.#busy++;
    this.#applyRef();
    try {
      return await fn();
    } catch (error) {
      throw redisFailure(safeUrl(this.settings.url), error, this.#lastError);
    } finally {
      this.#busy--;
      this.#applyRef();
    }
  }

  async close(): Promise<void> {
    const opening = this.#opening;
    this.#forget();
    const client = await opening?.catch(() => null);
    if (client) await closeClient(client);
  }

  #forget(): void {
    this.#opening = null;
    this.#client = null;
    this.onReplaced();
  }

  #applyRef(): void {
    const stream = this.#client?.stream;
    if (!stream) return;
    if (this.#busy > 0) stream.ref();
    else stream.unref();
  }
}

/**
 * Watches a worker's connection and reports an outage once ("lost", within a second of the
 * drop, with the reason ioredis saw) and its end ("restored", once Redis answers again and has
 * loaded its data). Returns a function that stops watching (before closing the connection).
 */
export function watchOutages(
  client: Redis,
  url: string,
  report: (state: "lost" | "restored", message: string) => void,
): () => void {
  let down = false;
  let reported = false;
  let why: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const where = safeUrl(url);
  const fire = () => {
    clearTimeout(timer);
    if (!down || reported) return;
    reported = true;
    report("lost", `Redis unreachable at ${where}: ${why ?? "connection closed"}; retrying`);
  };
  const onClose = () => {
    if (down) return;
    down = true;
    // The first reconnect attempt usually says why (ECONNREFUSED, ETIMEDOUT, …); wait for it briefly.
    timer = setTimeout(fire, 1000);
    timer.unref();
  };
  const onError = (error: Error) => {
    why = error.message.split("\n")[0];
    if (down && isTransportError(error)) fire();
  };
  const onReady = () => {
    clearTimeout(timer);
    if (reported) report("restored", `Redis reachable again at ${where}`);
    down = false;
    reported = false;
    why = undefined;
  };
  client.on("close", onClose);
  client.on("error", onError);
  client.on("ready", onReady);
  return () => {
    clearTimeout(timer);
    client.off("close", onClose);
    client.off("error", onError);
    client.off("ready", onReady);
  };
}
