import { parseDuration } from "../core/durations.js";
import { UsageError } from "../core/errors.js";
import type { JsonValue } from "../core/json.js";
import { ALL_STATUSES, type TaskResultStatus } from "../core/result.js";

const DATE_EXAMPLES = "such as 2026-11-29 or 2026-11-29T08:00";

/** A moment: a duration from now ("10m") or an ISO 8601 date-time. */
export function parseMoment(text: string, flag: string, now = Date.now()): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(text.trim());
  if (day) {
    const [, year, month, date] = day.map(Number) as [number, number, number, number];
    // Date() rolls a day past the month's end over into the next month (2026-02-30 is 2 March).
    const days = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
    if (days === 0 || date < 1 || date > days) {
      const why = days === 0 ? `there is no month ${day[2]}` : `${day[1]}-${day[2]} has ${days} days`;
      throw new UsageError(`${flag}: "${text}" is not a date (${why}); use a date ${DATE_EXAMPLES}`);
    }
    const moment = new Date(text.trim());
    if (Number.isNaN(moment.getTime())) {
      throw new UsageError(`${flag}: "${text}" is not a valid ISO 8601 date; use one ${DATE_EXAMPLES}`);
    }
    return moment;
  }
  return new Date(now + parseDuration(text, { label: flag }));
}

/** CLI task arguments: each is parsed as JSON when it is valid JSON, else taken as a string. */
export function parseTaskArgs(positional: string[], argsFlag: string | undefined): JsonValue[] {
  if (argsFlag !== undefined) {
    if (positional.length > 0) throw new UsageError("give task arguments either positionally or with --args, not both");
    let parsed: unknown;
    try {
      parsed = JSON.parse(argsFlag);
    } catch (error) {
      throw new UsageError(
        `--args: malformed JSON (${(error as Error).message}); expected a JSON array like '[1, "a"]'`,
      );
    }
    if (!Array.isArray(parsed))
      throw new UsageError(`--args: expected a JSON array like '[1, "a"]', got ${typeof parsed}`);
    return parsed as JsonValue[];
  }
  return positional.map((arg) => {
    try {
      return JSON.parse(arg) as JsonValue;
    } catch {
      return arg;
    }
  });
}

/** A moment in the past: a duration ago ("1h", "7d") or an ISO 8601 date-time. */
export function parseSince(text: string, flag: string, now = Date.now()): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return parseMoment(text, flag, now);
  try {
    return new Date(now - parseDuration(text, { label: flag }));
  } catch (error) {
    // A word like "yesterday": say that dates work too.
    throw new UsageError(`${(error as Error).message}, or an ISO 8601 date ${DATE_EXAMPLES}`);
  }
}

/** --status values, case-insensitive, checked against the known statuses. */
export function parseStatuses(values: string[] | undefined): TaskResultStatus[] | undefined {
  if (!values || values.length === 0) return undefined;
  return values.map((value) => {
    const upper = value.trim().toUpperCase();
    if (!(ALL_STATUSES as readonly string[]).includes(upper)) {
      // Listings show a READY task not due yet as SCHEDULED: a label, not a status.
      const label =
        upper === "SCHEDULED"
          ? " (SCHEDULED is how listings show a READY task whose run after time is still ahead: use --status READY)"
          : "";
      throw new UsageError(`--status: unknown status "${value}"; expected one of ${ALL_STATUSES.join(", ")}${label}`);
    }
    return upper as TaskResultStatus;
  });
}
