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
}

/** Entries of workers gone for this long are dropped when another worker registers. */
const KEEP_MS = 24 * 3600_000;

/**
 * The worker registry for `tasks watch`: one Redis hash, worker id → JSON entry, refreshed
 * every heartbeat. A running entry whose heartbeat is three intervals old is shown as dead.
 */
export class WorkerRegistry {
  constructor(
    readonly client: Redis,
    readonly key: string,
    readonly heartbeatMs: number,
  ) {}

  async register(worker: WorkerRegistration): Promise<void> {
    const now = Date.now();
    const entry: Entry = {
      ...worker,
      startedAt: worker.startedAt.getTime(),
      lastHeartbeatAt: now,
      heartbeatMs: this.heartbeatMs,
      state: "running",
    };
    const old = (await listEntries(this.client, this.key)).filter((e) => e.lastHeartbeatAt < now - KEEP_MS);
    const multi = this.client.multi().hset(this.key, worker.id, JSON.stringify(entry));
    if (old.length > 0) multi.hdel(this.key, ...old.map((e) => e.id));
    await multi.exec();
  }

  async heartbeat(id: string): Promise<void> {
    await this.#update(id, (e) => ({ ...e, lastHeartbeatAt: Date.now() }));
  }

  async stopped(id: string): Promise<void> {
    await this.#update(id, (e) => ({ ...e, lastHeartbeatAt: Date.now(), state: "stopped" }));
  }

  async #update(id: string, change: (entry: Entry) => Entry): Promise<void> {
    const text = await this.client.hget(this.key, id);
    if (text) await this.client.hset(this.key, id, JSON.stringify(change(JSON.parse(text) as Entry)));
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
    }));
}
