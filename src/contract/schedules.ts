import type { EnqueueRequest } from "../core/environment.js";
import type { TaskResultData } from "../core/result.js";

/**
 * What a schedule does with ticks nobody enqueued on time (every worker was down, or busy
 * past the tick): "latest" enqueues one run for them all (the most recent tick), "all" one run
 * per missed tick (at most `catchUpLimit`, the most recent ones), "none" skips them.
 */
export type CatchUp = "latest" | "all" | "none";

/** A tick is on time, not missed, when it is enqueued at most this long after it. */
export const ON_TIME_MS = 60_000;

/** One schedule of the config, as a backend's ScheduleStore sees it. */
export interface ScheduleSpec {
  /** Its key in the config's `schedules`. */
  name: string;
  taskName: string;
  /** The cron expression as written (5 fields, or 6 with seconds first). */
  cron: string;
  /**
   * The time zone the expression is read in: the config's IANA name, or, where the config gives
   * none, `local:` and the IANA name of the zone of the worker that stored it (scheduleSpec). null
   * (a custom caller): this process's local zone, unnamed.
   */
  timezone: string | null;
  /**
   * Where the config gives no zone: this spec read in another worker's local zone (a stored
   * `local:…` zone), so that workers in different zones read one schedule one way: the zone of
   * the worker that stored it (specForStored).
   */
  inZone?(stored: string): ScheduleSpec;
  catchUp: CatchUp;
  /** With catchUp "all": at most this many missed ticks are enqueued. */
  catchUpLimit: number;
  /** The first tick strictly after `after`, or null when the expression has no more. */
  nextAfter(after: Date): Date | null;
  /** Up to `n` ticks at or before `atOrBefore`, oldest first. */
  lastTicks(n: number, atOrBefore: Date): Date[];
  /**
   * What one tick enqueues: arguments checked, `schedule` set to the name, and for a unique task
   * its hold. The store sets each tick's `runAfter` to the tick itself.
   */
  request: EnqueueRequest;
}

/** A tick a ScheduleStore enqueued: the result stored, or a unique task's holder (deduplicated). */
export interface FiredTick {
  schedule: string;
  tick: Date;
  record: TaskResultData;
}

/** A schedule as stored by its backend: for `tasks schedules` and `tasks watch`. */
export interface ScheduleInfo {
  name: string;
  taskName: string;
  cron: string;
  timezone: string | null;
  /** The last tick enqueued, or null before the first. */
  lastTick: Date | null;
  /** The next tick due, or null when the expression has no more. */
  nextTick: Date | null;
}

/** How a stored zone that was a worker's local zone begins: "local:Asia/Tokyo". */
const LOCAL_ZONE = "local:";

/** This process's local time zone by its IANA name ("UTC", "Europe/Paris"; TZ sets it). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Whether a stored zone is a worker's local zone ("local:Asia/Tokyo"): the config gave none. */
export const isLocalZone = (zone: string | null | undefined): zone is string => zone?.startsWith(LOCAL_ZONE) === true;

/** The zone a worker here stores for a schedule: the config's, else "local:" and this process's zone. */
export function zoneStoredHere(configured: string | null): string {
  return configured ?? `${LOCAL_ZONE}${localTimeZone()}`;
}

/** The IANA name in a stored "local:…" zone ("Asia/Tokyo"). */
export function localZoneName(stored: string): string {
  return stored.slice(LOCAL_ZONE.length);
}

/** A stored zone as listings show it: "Europe/Paris", "local (Asia/Tokyo)", or "local" (null). */
export function describeZone(stored: string | null): string {
  return isLocalZone(stored) ? `local (${localZoneName(stored)})` : (stored ?? "local");
}

/**
 * What a sync does with a schedule's stored row (both backends; the Redis script mirrors it):
 * - "add": none yet; "reset": a changed expression or zone, ticks start again from now;
 * - "nameZone": a row stored with no zone (null, before local zones were named) by a spec in its
 *   local zone: the zone is named, the next tick kept;
 * - "keep": the same schedule, the task's name updated. That includes a spec with no zone in the
 *   config and a row stored in another worker's local zone: every worker then reads it in that
 *   zone (specForStored) instead of each in its own, which skipped ticks.
 */
export function syncAction(
  row: { cron: string; timezone: string | null } | undefined,
  spec: Pick<ScheduleSpec, "cron" | "timezone">,
): "add" | "reset" | "nameZone" | "keep" {
  if (!row) return "add";
  if (row.cron !== spec.cron) return "reset";
  if (isLocalZone(spec.timezone) && row.timezone === null) return "nameZone";
  if (isLocalZone(spec.timezone) && isLocalZone(row.timezone)) return "keep";
  return row.timezone === spec.timezone ? "keep" : "reset";
}

/**
 * The spec to fire a stored row with: this one, or read in the stored local zone (see syncAction);
 * null when the row belongs to another config (a deploy half done): the newest sync wins, and this
 * worker leaves it alone.
 */
export function specForStored(spec: ScheduleSpec, row: { cron: string; timezone: string | null }): ScheduleSpec | null {
  if (row.cron !== spec.cron) return null;
  if (row.timezone === spec.timezone) return spec;
  if (isLocalZone(spec.timezone) && row.timezone === null) return spec;
  if (isLocalZone(spec.timezone) && isLocalZone(row.timezone)) return spec.inZone?.(row.timezone) ?? null;
  return null;
}

/**
 * Where a backend keeps schedules so that the ordinary workers run them, each tick enqueued
 * exactly once however many workers run.
 *
 * - `sync` makes the stored schedules the config's: new ones are added (first tick: the next
 *   one after `now`), changed ones updated (a new expression or zone starts from `now`), and
 *   stored ones the config no longer has are removed, so none keeps firing. Every worker calls
 *   it as it starts.
 * - `fire`, for backends whose workers drive the ticks (SQLite): enqueues the due ticks of
 *   these schedules as of `now`, atomically across processes (a second caller for the same
 *   ticks finds them taken), applying each schedule's catchUp to ticks it missed. Backends whose
 *   server produces the ticks itself (BullMQ job schedulers on Redis) leave it out.
 */
export interface ScheduleStore {
  sync(specs: readonly ScheduleSpec[], now?: Date): Promise<void>;
  fire?(specs: readonly ScheduleSpec[], now?: Date): Promise<FiredTick[]>;
  /** The stored schedules, by name (an empty list when nothing is stored yet). */
  list(): Promise<ScheduleInfo[]>;
}

/**
 * Which of the due ticks to enqueue: `due` are the ticks (oldest first) from the stored next
 * tick up to `now`, at most `catchUpLimit` of them (see ScheduleSpec.lastTicks). The last of
 * them is on time when it is at most ON_TIME_MS old; every other one was missed.
 */
export function ticksToEnqueue(spec: Pick<ScheduleSpec, "catchUp">, due: readonly Date[], now: Date): Date[] {
  const latest = due.at(-1);
  if (!latest) return [];
  if (spec.catchUp === "all") return [...due];
  if (spec.catchUp === "latest") return [latest];
  return now.getTime() - latest.getTime() <= ON_TIME_MS ? [latest] : [];
}
