import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { readyRecord } from "../../contract/records.js";
import {
  type FiredTick,
  ON_TIME_MS,
  type ScheduleInfo,
  type ScheduleSpec,
  type ScheduleStore,
  specForStored,
  ticksToEnqueue,
} from "../../contract/schedules.js";
import type { EnqueueRequest } from "../../core/environment.js";
import type { TaskResultData } from "../../core/result.js";
import type { RedisHost } from "./host.js";
import { type ScheduleCommands, scripted } from "./schedule-scripts.js";

/** What the schedules need of the backend: its connection and the enqueue path (enqueue.ts). */
export interface ScheduleHost extends RedisHost {
  storeRecords(records: TaskResultData[], requests: EnqueueRequest[], now: Date): Promise<TaskResultData[]>;
}

/** A schedule as stored: one JSON value per schedule name in the `schedules` hash. */
interface Row {
  taskName: string;
  cron: string;
  timezone: string | null;
  lastTick: number | null;
  nextTick: number | null;
}

/**
 * The id of a schedule's tick: a UUIDv7 whose time is the tick's and whose other bits come from
 * the schedule's name and the tick, so every worker makes the same id for the same tick and
 * BullMQ stores the job once, whoever adds it first (and whatever a worker that dies between
 * storing the tick and advancing the schedule leaves behind).
 */
export function tickId(schedule: string, tick: Date): string {
  const digest = createHash("sha256").update(schedule).update("\u0000").update(String(tick.getTime())).digest();
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(tick.getTime(), 0, 6);
  digest.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ms = (date: Date | null | undefined): number | null => (date ? date.getTime() : null);

/**
 * Schedules on Redis, driven by the workers as on SQLite (see ScheduleStore): one hash holds each
 * schedule's next tick. A worker that finds a tick due stores the tick's task (an id made from the
 * tick, so a second store of it is a no-op), then advances the schedule with a compare-and-set on
 * the next tick it read: one worker wins, reports the tick and sends its signal; the others find it
 * advanced. The same croner expressions, catch-up and DST rules as on SQLite, since the ticks are
 * computed by the same ScheduleSpec. (BullMQ's job schedulers were not used: they cannot catch up
 * "all" or "none", read cron with another library, refuse deduplication, and make job ids that are
 * no tasklane ids.)
 */
export class RedisSchedules implements ScheduleStore {
  constructor(readonly host: ScheduleHost) {}

  sync(specs: readonly ScheduleSpec[], now: Date = new Date()): Promise<void> {
    return this.host.use(async () => {
      const wanted = specs.map((spec) => ({
        name: spec.name,
        taskName: spec.taskName,
        cron: spec.cron,
        timezone: spec.timezone,
        nextTick: ms(spec.nextAfter(now)),
      }));
      await scripted(await this.host.client()).tasklaneScheduleSync(
        this.host.keys.schedules,
        this.host.keys.schedulesRemoved,
        JSON.stringify(wanted),
        String(now.getTime()),
      );
    });
  }

  fire(specs: readonly ScheduleSpec[], now: Date = new Date()): Promise<FiredTick[]> {
    if (specs.length === 0) return Promise.resolve([]);
    return this.host.use(async () => {
      const client = scripted(await this.host.client());
      const rows = await this.#rows(
        client,
        specs.map((spec) => spec.name),
      );
      const fired = await Promise.all(specs.map((spec, i) => this.#fireOne(client, spec, rows[i] ?? null, now)));
      return fired.flat();
    });
  }

  list(): Promise<ScheduleInfo[]> {
    return this.host.use(async () => {
      const all = await (await this.host.client()).hgetall(this.host.keys.schedules);
      return Object.entries(all)
        .map(([name, text]) => {
          const row = JSON.parse(text) as Row;
          return {
            name,
            taskName: row.taskName,
            cron: row.cron,
            timezone: row.timezone ?? null,
            lastTick: row.lastTick === null ? null : new Date(row.lastTick),
            nextTick: row.nextTick === null ? null : new Date(row.nextTick),
          };
        })
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  async #rows(client: Redis, names: string[]): Promise<(Row | null)[]> {
    const texts = await client.hmget(this.host.keys.schedules, ...names);
    return texts.map((text) => (text ? (JSON.parse(text) as Row) : null));
  }

  /**
   * The row of a schedule found missing: stored again when it was lost with Redis's data (a
   * restart without persistence, a FLUSHDB), its next tick the one this worker woke for (an on-time
   * tick; else the next one), so the schedule keeps firing; null when a sync removed it (another
   * config's: the newest sync wins).
   */
  async #restore(client: Redis & ScheduleCommands, spec: ScheduleSpec, now: Date): Promise<Row | null> {
    const last = spec.lastTicks(1, now).at(-1);
    const onTime = last && now.getTime() - last.getTime() <= ON_TIME_MS ? last : null;
    const row: Row = {
      taskName: spec.taskName,
      cron: spec.cron,
      timezone: spec.timezone,
      lastTick: null,
      nextTick: ms(onTime ?? spec.nextAfter(now)),
    };
    const keys = this.host.keys;
    const text = await client.tasklaneScheduleRestore(
      keys.schedules,
      keys.schedulesRemoved,
      spec.name,
      JSON.stringify(row),
    );
    return text ? (JSON.parse(text) as Row) : null;
  }

  /**
   * The due ticks of one schedule (from its stored next tick to now, narrowed by catchUp), stored,
   * then the schedule advanced; the ticks are reported only by the worker whose advance won. A row
   * whose expression or zone differs from this worker's was synced by a worker with another config
   * (a deploy half done): the newest sync wins, this worker leaves it alone (and a row that sync
   * removed stays removed); a row lost with Redis's data is stored again (#restore). A schedule without a
   * zone is read in the local zone of the worker that stored it (specForStored).
   */
  async #fireOne(client: Redis & ScheduleCommands, configured: ScheduleSpec, stored: Row | null, now: Date) {
    const row = stored ?? (await this.#restore(client, configured, now));
    const spec = row ? specForStored(configured, { cron: row.cron, timezone: row.timezone ?? null }) : null;
    if (!row || !spec) return [];
    if (row.nextTick === null || row.nextTick > now.getTime()) return [];
    const from = row.nextTick;
    const due = spec.lastTicks(spec.catchUp === "all" ? spec.catchUpLimit : 1, now).filter((t) => t.getTime() >= from);
    const ticks = ticksToEnqueue(spec, due, now);
    let records: TaskResultData[] = [];
    if (ticks.length > 0) {
      const requests = ticks.map((tick) => ({ ...spec.request, runAfter: tick }));
      const made = requests.map((request, i) => ({
        ...readyRecord(this.host.alias, request, now),
        id: tickId(spec.name, ticks[i] as Date),
      }));
      records = await this.host.storeRecords(made, requests, now);
    }
    const won = await client.tasklaneScheduleAdvance(
      this.host.keys.schedules,
      spec.name,
      spec.cron,
      row.timezone ?? "",
      String(from),
      String(ms(ticks.at(-1)) ?? ""),
      String(ms(spec.nextAfter(now)) ?? ""),
    );
    if (won !== 1) return [];
    return records.map((record, i) => ({ schedule: spec.name, tick: ticks[i] as Date, record }));
  }
}
