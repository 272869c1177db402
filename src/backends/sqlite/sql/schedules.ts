// Schedules (tasklane_schedules, migrations.ts v3): one row per schedule of the config. The row's
// next_tick is what makes a tick enqueue once: a worker reads and advances it in the same
// BEGIN IMMEDIATE transaction as it inserts the tick's task, so every other worker then finds
// it in the future. Values are bound parameters, never SQL text.

export interface ScheduleRow {
  name: string;
  task_name: string;
  cron: string;
  timezone: string | null;
  last_tick: number | null;
  next_tick: number | null;
  updated_at: number;
}

export const SCHEDULE = "SELECT * FROM tasklane_schedules WHERE name = ?";

export const ALL_SCHEDULES = "SELECT * FROM tasklane_schedules ORDER BY name";

export const ADD_SCHEDULE = `INSERT INTO tasklane_schedules
  (name, task_name, cron, timezone, last_tick, next_tick, updated_at)
  VALUES (@name, @taskName, @cron, @timezone, NULL, @nextTick, @now)`;

/** A changed expression or zone: its ticks start again from now (last_tick stays, for display). */
export const RESET_SCHEDULE = `UPDATE tasklane_schedules
  SET task_name = @taskName, cron = @cron, timezone = @timezone, next_tick = @nextTick, updated_at = @now
  WHERE name = @name`;

/** A zone stored as null (before local zones were named) named, its next tick kept (syncAction). */
export const NAME_ZONE = `UPDATE tasklane_schedules SET task_name = @taskName, timezone = @timezone, updated_at = @now
  WHERE name = @name`;

export const RENAME_TASK = `UPDATE tasklane_schedules SET task_name = @taskName, updated_at = @now
  WHERE name = @name AND task_name IS NOT @taskName`;

/** Schedules the config no longer has (a JSON array of the names it has). */
export const DROP_OTHERS = `DELETE FROM tasklane_schedules
  WHERE name NOT IN (SELECT value FROM json_each(@names))`;

export const ADVANCE = `UPDATE tasklane_schedules
  SET last_tick = coalesce(@lastTick, last_tick), next_tick = @nextTick, updated_at = @now
  WHERE name = @name`;
