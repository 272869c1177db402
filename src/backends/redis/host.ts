import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { QueueLimits } from "../../contract/queue-controls.js";
import type { RedisSettings } from "./connection.js";
import type { OwnKeys } from "./own-keys.js";
import type { WorkerNames } from "./worker-codes.js";

/**
 * What the worker runner and the management store need from the backend (RedisBackend
 * implements it). They take this instead of the backend class, so neither imports backend.ts.
 */
export interface RedisHost {
  readonly alias: string;
  /** The configured queue names ([] when any name is allowed). */
  readonly queues: string[];
  /** Per-queue limits from the config (concurrency, rate). */
  readonly limits: Readonly<Record<string, QueueLimits>>;
  readonly settings: RedisSettings;
  readonly keys: OwnKeys;
  /** Worker ids of the codes BullMQ records as its jobs' worker names (worker-codes.ts). */
  readonly workerNames: WorkerNames;
  /** The shared connection (opened and proven on first use). */
  client(): Promise<Redis>;
  /** The BullMQ Queue of a queue name, on the shared connection. */
  queue(name: string): Promise<Queue>;
  /**
   * Runs `fn` with the shared connection held (the process stays alive meanwhile) and turns a
   * Redis failure into RedisUnavailableError naming the URL (password hidden).
   */
  use<T>(fn: () => Promise<T>): Promise<T>;
}
