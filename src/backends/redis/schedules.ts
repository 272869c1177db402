import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { readyRecord } from "../../contract/records.js";
import {
  type FiredTick,
  type ScheduleInfo,
  type ScheduleSpec,
  type ScheduleStore,
  specForStored,
  ticksToEnqueue,
} from "../../contract/schedules.js";
import type { EnqueueRequest } from "../../core/environment.js";
import type { TaskResultData } from "../../core/result.js";
import type { RedisHost } from "./host.js";

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
 * Makes the stored schedules the config's (ARGV[1]: JSON of { name, taskName, cron, timezone,
 * nextTick }), as syncAction (contract/schedules.ts) says: a row stored in a worker's local zone
 * ("local:…") is kept by a schedule with no zone, a null one named.
 */
const SYNC = `
local keep = {}
for _, s in ipairs(cjson.decode(ARGV[1])) do
  keep[s.name] = true
  local text = redis.call("HGET", KEYS[1], s.name)
  local row = text and cjson.decode(text)
  local specLocal = type(s.timezone) == "string" and string.sub(s.timezone, 1, 6) == "local:"
  local rowLocal = row and type(row.timezone) == "string" and string.sub(row.timezone, 1, 6) == "local:"
  if not row then
    row = { taskName = s.taskName, cron = s.cron, timezone = s.timezone, lastTick = cjson.null, nextTick = s.nextTick }
  elseif row.cron == s.cron and specLocal and row.timezone == cjson.null then
    row.taskName, row.timezone = s.taskName, s.timezone
  elseif row.cron ~= s.cron or (row.timezone ~= s.timezone and not (specLocal and rowLocal)) then
    row.taskName, row.cron, row.timezone, row.nextTick = s.taskName, s.cron, s.timezone, s.nextTick
  elseif row.taskName ~= s.taskName then
    row.taskName = s.taskName
  else
    row = nil
  end
  if row then redis.call("HSET", KEYS[1], s.name, cjson.encode(row)) end
end
for _, name in ipairs(redis.call("HKEYS", KEYS[1])) do
  if not keep[name] then redis.call("HDEL", KEYS[1], name) end
end
return 1`;

/**
 * Advances one schedule from the next tick this caller read (ARGV: name, cron, timezone or "",
 * that next tick, the last tick enqueued or "", the new next tick or ""): 1 when it still was
 * that (this caller enqueued the ticks), 0 when another worker advanced it first or a sync
 * changed the expression meanwhile.
 */
const ADVANCE = `
local text = redis.call("HGET", KEYS[1], ARGV[1])
if not text then return 0 end
local row = cjson.decode(text)
local zone = row.timezone
if zone == cjson.null then zone = "" end
if row.cron ~= ARGV[2] or zone ~= ARGV[3] or row.nextTick ~= tonumber(ARGV[4]) then return 0 end
if ARGV[5] ~= "" then row.lastTick = tonumber(ARGV[5]) end
row.nextTick = tonumber(ARGV[6]) or cjson.null
redis.call("HSET", KEYS[1], ARGV[1], cjson.encode(row))
return 1`;

interface ScheduleCommands {
  tasklaneScheduleSync(key: string, specs: string): Promise<unknown>;
  tasklaneScheduleAdvance(key: string, ...args: string[]): Promise<number>;
}

function scripted(client: Redis): Redis & ScheduleCommands {
  const c = client as Redis & Partial<ScheduleCommands>;
  if (!c.tasklaneScheduleSync) {
    client.defineCommand("tasklaneScheduleSync", { numberOfKeys: 1, lua: SYNC });
    client.defineCommand("tasklaneScheduleAdvance", { numberOfKeys: 1, lua: ADVANCE });
  }
  return c as Redis & ScheduleCommands;
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
      await scripted(await this.host.client()).tasklaneScheduleSync(this.host.keys.schedules, JSON.stringify(wanted));
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
   * The due ticks of one schedule (from its stored next tick to now, narrowed by catchUp), stored,
   * then the schedule advanced; the ticks are reported only by the worker whose advance won. A row
   * whose expression or zone differs from this worker's was synced by a worker with another config
   * (a deploy half done): the newest sync wins, this worker leaves it alone. A schedule without a
   * zone is read in the local zone of the worker that stored it (specForStored).
   */
  async #fireOne(client: Redis & ScheduleCommands, configured: ScheduleSpec, row: Row | null, now: Date) {
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
