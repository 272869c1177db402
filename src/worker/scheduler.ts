import { setTimeout as sleep } from "node:timers/promises";
import { activeConfig } from "../config/registry.js";
import type { ScheduleEntry } from "../config/schedules.js";
import type { Backend } from "../contract/backend.js";
import type { WorkerEvents } from "../contract/events.js";
import { localZoneName, type ScheduleSpec, type ScheduleStore, zoneStoredHere } from "../contract/schedules.js";
import { ConfigError } from "../core/errors.js";
import { TaskResult } from "../core/result.js";
import { signals } from "../core/signals.js";

/** The longest sleep between two looks: a distant tick, or a clock set back or forward, is re-read this often. */
const MAX_SLEEP_MS = 60_000;
/** After a failed fire (the file locked past busyTimeoutMs, say), the next try. */
const RETRY_MS = 1_000;

/**
 * The ticker every worker runs for its backend's schedules: no extra daemon. It syncs the
 * config's schedules into the backend's ScheduleStore as the worker starts (which also drops
 * removed ones), then wakes at each schedule's next tick and asks the store to fire what is
 * due; the store makes sure a tick is enqueued once however many workers ask. Backends whose
 * server produces the ticks itself (no `fire`) only get the sync.
 */
export class Scheduler {
  readonly #backend: Backend;
  readonly #entries: readonly ScheduleEntry[];
  readonly #events: WorkerEvents;
  readonly #store: ScheduleStore | null;
  /** This worker's view of each schedule's next tick (epoch ms; null: no more ticks). */
  readonly #next = new Map<string, number | null>();
  readonly #stopped = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(backend: Backend, entries: readonly ScheduleEntry[], events: WorkerEvents) {
    this.#backend = backend;
    this.#entries = entries;
    this.#events = events;
    this.#store = backend.schedules();
  }

  /** The scheduler of the active config's schedules on this backend. */
  static forBackend(backend: Backend, events: WorkerEvents): Scheduler {
    return new Scheduler(backend, activeConfig()?.schedulesOf(backend.alias) ?? [], events);
  }

  /**
   * Syncs the schedules and enqueues the ticks missed while no worker ran (each schedule's
   * catchUp), before the worker's first claim; then keeps ticking until stop(). Failures are
   * reported as worker errors, never thrown: the worker's tasks run regardless.
   */
  async start(): Promise<void> {
    const store = this.#store;
    if (!store) {
      if (this.#entries.length > 0) {
        const names = this.#entries.map((entry) => entry.name).join(", ");
        this.#events.error?.(
          new ConfigError(
            `backend "${this.#backend.alias}" (${this.#backend.kind}) cannot run schedules; these will not fire: ${names}`,
          ),
        );
      }
      return;
    }
    try {
      await store.sync(await this.#specs(this.#entries));
    } catch (error) {
      this.#events.error?.(error as Error);
    }
    if (!store.fire || this.#stopped.signal.aborted) return;
    const now = Date.now();
    for (const entry of this.#entries) this.#next.set(entry.name, now);
    await this.#fireDue(store);
    this.#loop = this.#run(store);
  }

  /** Stops ticking (a fire under way finishes first). Idempotent. */
  async stop(): Promise<void> {
    this.#stopped.abort();
    await this.#loop;
  }

  async #run(store: ScheduleStore): Promise<void> {
    const signal = this.#stopped.signal;
    while (!signal.aborted && this.#entries.length > 0) {
      const wake = this.#wakeAt();
      const delay = wake === null ? MAX_SLEEP_MS : Math.min(MAX_SLEEP_MS, Math.max(0, wake - Date.now()));
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return; // stopped
      }
      await this.#fireDue(store);
    }
  }

  #wakeAt(): number | null {
    let wake: number | null = null;
    for (const next of this.#next.values()) if (next !== null && (wake === null || next < wake)) wake = next;
    return wake;
  }

  /** Fires the schedules whose next tick has come (as this worker sees it), then looks ahead. */
  async #fireDue(store: ScheduleStore): Promise<void> {
    const now = new Date();
    const due = this.#entries.filter((entry) => {
      const next = this.#next.get(entry.name);
      return next !== null && next !== undefined && next <= now.getTime();
    });
    if (due.length === 0 || !store.fire) return;
    try {
      const fired = await store.fire(await this.#specs(due), now);
      const byName = new Map(due.map((entry) => [entry.name, entry]));
      for (const tick of fired) {
        if (tick.record.deduplicated) continue;
        const owner = await this.#ownerOf(byName.get(tick.schedule));
        const record = owner === this.#backend ? tick.record : { ...tick.record, backend: owner.alias };
        signals.taskEnqueued.send({ sender: owner, taskResult: new TaskResult(record, owner) });
      }
      for (const entry of due) this.#next.set(entry.name, entry.nextAfter(now)?.getTime() ?? null);
    } catch (error) {
      this.#events.error?.(error as Error);
      for (const entry of due) this.#next.set(entry.name, now.getTime() + RETRY_MS);
    }
  }

  /**
   * The backend a tick belongs to: its task's. That is this one, or another alias of the config
   * on the same store, whose schedules this worker fires too (registry.ts, schedulesOf): the
   * taskEnqueued signal then names the backend an enqueue of that task would have named.
   */
  async #ownerOf(entry: ScheduleEntry | undefined): Promise<Backend> {
    const alias = entry?.task.backend;
    if (alias === undefined || alias === this.#backend.alias) return this.#backend;
    return (
      (await activeConfig()
        ?.getBackend(alias)
        .catch(() => undefined)) ?? this.#backend
    );
  }

  async #specs(entries: readonly ScheduleEntry[]): Promise<ScheduleSpec[]> {
    return Promise.all(entries.map(scheduleSpec));
  }
}

/**
 * What a ScheduleStore needs of a config's schedule, its tick's request prepared now as an
 * enqueue would prepare it (arguments checked, a unique task's hold starting now).
 */
export async function scheduleSpec(entry: ScheduleEntry): Promise<ScheduleSpec> {
  const [request] = await entry.task.prepare([entry.args]);
  if (!request) throw new ConfigError(`schedule "${entry.name}": its task made no request`);
  const spec: ScheduleSpec = {
    name: entry.name,
    taskName: entry.task.name,
    cron: entry.cron,
    // No zone in the config: this worker's, by name, so that one in another zone can tell.
    timezone: zoneStoredHere(entry.timezone),
    catchUp: entry.catchUp,
    catchUpLimit: entry.catchUpLimit,
    nextAfter: entry.nextAfter,
    lastTicks: entry.lastTicks,
    request: { ...request, schedule: entry.name },
  };
  if (entry.timezone !== null) return spec;
  return {
    ...spec,
    inZone: (stored) => ({ ...spec, timezone: stored, ...entry.inZone(localZoneName(stored)) }),
  };
}
