import type { Redis } from "ioredis";
import type { WorkerInfo } from "../../contract/management.js";
import type { WorkerRegistration } from "../../contract/worker-store.js";

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
   */
  heartbeat(id: string): Promise<boolean> {
    return this.#update(id, (e) => ({ ...e, lastHeartbeatAt: Date.now() }));
  }

  async stopped(id: string): Promise<void> {
    await this.#update(id, (e) => ({ ...e, lastHeartbeatAt: Date.now(), state: "stopped" }));
  }

  #entry(now: number): Entry {
    const worker = this.#worker as WorkerRegistration;
    return {
      ...worker,
      startedAt: worker.startedAt.getTime(),
      lastHeartbeatAt: now,
      heartbeatMs: this.heartbeatMs,
      state: "running",
    };
  }

  async #update(id: string, change: (entry: Entry) => Entry): Promise<boolean> {
    const text = await this.client.hget(this.key, id);
    if (text) {
      await this.client.hset(this.key, id, JSON.stringify(change(JSON.parse(text) as Entry)));
      return false;
    }
    if (this.#worker?.id !== id) return false;
    // HSETNX: a concurrent update that found the entry keeps its own.
    await this.client.hsetnx(this.key, id, JSON.stringify(change(this.#entry(Date.now()))));
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
