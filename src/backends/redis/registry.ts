import type { Redis } from "ioredis";
import type { WorkerInfo } from "../../contract/management.js";
import type { WorkerRegistration } from "../../contract/worker-store.js";
import { withScripts } from "./scripts.js";

interface Entry {
  id: string;
  hostname: string;
  pid: number;
  queues: string;
  startedAt: number;
  lastHeartbeatAt: number;
  heartbeatMs: number;
  state: "running" | "stopped";
  /** Absent in entries of earlier releases. */
  tasks?: string[];
}

/** Entries of workers gone for this long are dropped when another worker registers. */
const KEEP_MS = 24 * 3600_000;

/**
 * Writes a worker's entry only if it is there (1), else nothing (0), in one step: a read and
 * then a write would, when Redis lost its data between the two, write the entry back without
 * the worker noticing the loss, and the worker would never store its code again.
 */
const UPDATE_IF_THERE = `
if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
return 1`;

interface RegistryCommands {
  tasklaneUpdateWorker(key: string, id: string, entry: string): Promise<number>;
}

const SCRIPTS = { tasklaneUpdateWorker: { keys: 1, lua: UPDATE_IF_THERE } };

/**
 * The worker registry for `tasks watch`: one Redis hash, worker id → JSON entry, refreshed
 * every heartbeat (and written again if Redis lost it). A running entry whose heartbeat is three
 * intervals old is shown as dead.
 */
export class WorkerRegistry {
  /** This worker's registration, written again when its entry is missing. */
  #worker: WorkerRegistration | null = null;

  constructor(
    readonly client: Redis,
    readonly key: string,
    readonly heartbeatMs: number,
  ) {}

  async register(worker: WorkerRegistration): Promise<void> {
    this.#worker = worker;
    const now = Date.now();
    const old = (await listEntries(this.client, this.key)).filter((e) => e.lastHeartbeatAt < now - KEEP_MS);
    const multi = this.client.multi().hset(this.key, worker.id, JSON.stringify(this.#entry(now)));
    if (old.length > 0) multi.hdel(this.key, ...old.map((e) => e.id));
    await multi.exec();
  }

  /**
   * Refreshes this worker's entry; true when it was missing (Redis lost its data: a restart
   * without persistence, a FLUSHDB) and the worker registered again, with its id and start time.
   * `beforeRegistering` runs first in that case (the worker keeps its code): whoever sees the
   * entry listed again finds what it names in place.
   */
  heartbeat(id: string, beforeRegistering?: () => Promise<unknown>): Promise<boolean> {
    return this.#update(id, "running", beforeRegistering);
  }

  async stopped(id: string): Promise<void> {
    await this.#update(id, "stopped");
  }

  #entry(now: number, state: Entry["state"] = "running"): Entry {
    const worker = this.#worker as WorkerRegistration;
    return {
      ...worker,
      startedAt: worker.startedAt.getTime(),
      lastHeartbeatAt: now,
      heartbeatMs: this.heartbeatMs,
      state,
    };
  }

  /** Writes this worker's entry, seen now in `state`; true when it was missing and written again. */
  async #update(id: string, state: Entry["state"], beforeRegistering?: () => Promise<unknown>): Promise<boolean> {
    if (this.#worker?.id !== id) return false;
    const entry = JSON.stringify(this.#entry(Date.now(), state));
    const scripted = withScripts<RegistryCommands>(this.client, SCRIPTS);
    if ((await scripted.tasklaneUpdateWorker(this.key, id, entry)) === 1) return false;
    await beforeRegistering?.();
    // HSETNX: a concurrent update that found the entry keeps its own.
    await this.client.hsetnx(this.key, id, entry);
    return true;
  }
}

async function listEntries(client: Redis, key: string): Promise<Entry[]> {
  return Object.values(await client.hgetall(key)).map((text) => JSON.parse(text) as Entry);
}

/** Every registered worker, most recently seen first. */
export async function listWorkers(client: Redis, key: string): Promise<WorkerInfo[]> {
  const now = Date.now();
  return (await listEntries(client, key))
    .sort((a, b) => b.lastHeartbeatAt - a.lastHeartbeatAt || a.id.localeCompare(b.id))
    .map((e) => ({
      id: e.id,
      hostname: e.hostname,
      pid: e.pid,
      queues: e.queues,
      startedAt: new Date(e.startedAt),
      lastHeartbeatAt: new Date(e.lastHeartbeatAt),
      state: e.state === "running" && e.lastHeartbeatAt < now - 3 * e.heartbeatMs ? "dead" : e.state,
      ...(e.tasks ? { tasks: e.tasks } : {}),
    }));
}
