import { UsageError } from "./errors.js";

/** Milliseconds per unit; long forms and plurals as people type them ("90m", "2 hours", "30d"). */
const UNITS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
};

export interface DurationRules {
  /** Names the value in messages: a flag ("--older-than") or an option path. */
  label: string;
  /** The unit of a bare number ("0.5" as seconds for --interval); without it a unit is required. */
  bareUnit?: "ms" | "s";
  /** Whether zero is a valid duration (`prune --older-than 0s`: every finished result). */
  allowZero?: boolean;
  /** The smallest accepted value in ms (a refresh interval has a floor). */
  minMs?: number;
}

function unitOf(word: string): number | undefined {
  const lower = word.toLowerCase();
  return UNITS[lower] ?? (lower.endsWith("s") ? UNITS[lower.slice(0, -1)] : undefined);
}

/**
 * The one duration parser: "500ms", "10s", "90m", "12h", "30d", "2w" (long forms too), or a
 * bare number when `bareUnit` says what it means. Returns milliseconds (an integer); every
 * problem is a one-line UsageError naming `label` and what would be right.
 */
export function parseDuration(text: string, rules: DurationRules): number {
  const trimmed = text.trim();
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(trimmed);
  const unit = match?.[2] ? unitOf(match[2]) : rules.bareUnit ? UNITS[rules.bareUnit] : undefined;
  const value = match?.[1] !== undefined && unit !== undefined ? Math.round(Number(match[1]) * unit) : undefined;
  const zeroOk = rules.allowZero === true;
  if (value === undefined || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroOk)) {
    const zero = value === 0 && !zeroOk ? " greater than zero" : "";
    const number = `${zeroOk ? "" : "positive "}number`;
    // A bare number means seconds where `bareUnit` says so: the message offers both forms.
    const forms =
      rules.bareUnit === "s"
        ? `${number} of seconds (1, 0.5) or a number with a unit (500ms, 2s, 1m)`
        : `${number} with a unit, e.g. 30s, 10m, 12h, 30d`;
    throw new UsageError(`${rules.label}: "${text}" is not a duration${zero}; use a ${forms}`);
  }
  if (rules.minMs !== undefined && value < rules.minMs) {
    throw new UsageError(`${rules.label}: "${text}" is too short; use at least ${formatMs(rules.minMs)}`);
  }
  return value;
}

/** 100 → "100ms", 2000 → "2s", 90_000 → "90s": the shortest exact form, for messages. */
export function formatMs(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  return `${ms / 1000}s`;
}
