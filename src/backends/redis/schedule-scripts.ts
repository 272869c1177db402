import type { Redis } from "ioredis";
import { withScripts } from "./scripts.js";

// The Lua scripts of the schedules hash (schedules.ts): each runs atomically, so workers syncing
// and firing at once never see half a change.

/**
 * Makes the stored schedules the config's (KEYS: the schedules hash, the removed-schedules hash;
 * ARGV[1]: JSON of { name, taskName, cron, timezone, nextTick }, ARGV[2]: now in ms), as
 * syncAction (contract/schedules.ts) says: a row stored in a worker's local zone ("local:…") is
 * kept by a schedule with no zone, a null one named. A removed row is noted in the second hash,
 * so that a worker still running the old config tells it from a row lost with Redis's data.
 */
const SYNC = `
local keep = {}
for _, s in ipairs(cjson.decode(ARGV[1])) do
  keep[s.name] = true
  redis.call("HDEL", KEYS[2], s.name)
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
  if not keep[name] then
    redis.call("HDEL", KEYS[1], name)
    redis.call("HSET", KEYS[2], name, ARGV[2])
  end
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

/**
 * The stored row of one schedule (KEYS: the schedules hash, the removed-schedules hash; ARGV:
 * name, the row to store if it is missing). A missing row that no sync removed was lost with
 * Redis's data (a restart without persistence, a FLUSHDB): it is stored again from this worker's
 * config. A removed one stays removed (nil).
 */
const RESTORE = `
local text = redis.call("HGET", KEYS[1], ARGV[1])
if text then return text end
if redis.call("HEXISTS", KEYS[2], ARGV[1]) == 1 then return false end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]`;

export interface ScheduleCommands {
  tasklaneScheduleSync(schedules: string, removed: string, specs: string, now: string): Promise<unknown>;
  tasklaneScheduleAdvance(schedules: string, ...args: string[]): Promise<number>;
  tasklaneScheduleRestore(schedules: string, removed: string, name: string, row: string): Promise<string | null>;
}

const SCRIPTS = {
  tasklaneScheduleSync: { keys: 2, lua: SYNC },
  tasklaneScheduleAdvance: { keys: 1, lua: ADVANCE },
  tasklaneScheduleRestore: { keys: 2, lua: RESTORE },
};

/** The client with the schedule scripts defined (scripts.ts). */
export function scripted(client: Redis): Redis & ScheduleCommands {
  return withScripts<ScheduleCommands>(client, SCRIPTS);
}
