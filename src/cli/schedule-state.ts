import type { ScheduleEntry } from "../config/schedules.js";
import { type ScheduleInfo, syncAction, zoneStoredHere } from "../contract/schedules.js";

/**
 * A schedule of the config with what its backend stored, for `tasks schedules` and `tasks watch`
 * alike: the zone it is read in (as stored: the config's, or "local:" and the zone of the worker
 * that stored it, else this machine's), the last tick enqueued, and the next one: the stored one
 * while a worker started here would keep it (the same expression and zone, or another worker's
 * local zone for a schedule without one), else the next after `now`.
 */
export function scheduleState(
  entry: Pick<ScheduleEntry, "name" | "task" | "cron" | "timezone" | "nextAfter">,
  info: ScheduleInfo | undefined,
  now: Date,
): ScheduleInfo {
  // What a worker started here would store: the config's zone, else this machine's local one.
  const mine = zoneStoredHere(entry.timezone);
  const action = info && syncAction(info, { cron: entry.cron, timezone: mine });
  const current = info && (action === "keep" || action === "nameZone") ? info : undefined;
  return {
    name: entry.name,
    taskName: entry.task.name,
    cron: entry.cron,
    timezone: current?.timezone ?? mine,
    lastTick: info?.lastTick ?? null,
    nextTick: current ? current.nextTick : entry.nextAfter(now),
  };
}
