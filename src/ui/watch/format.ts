import type { ShownStatus } from "../text/status.js";

const BARS = "▁▂▃▄▅▆▇█";

/** One block character per value, scaled to the largest; zero is the lowest bar. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((v) =>
      max === 0 || v <= 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.ceil((v / max) * (BARS.length - 1)))],
    )
    .join("");
}

/** Ink colour names per status (the same palette as the plain CLI's colourStatus). */
export const STATUS_COLOR: Record<ShownStatus, string> = {
  READY: "blue",
  SCHEDULED: "cyan",
  RUNNING: "yellow",
  SUCCEEDED: "green",
  FAILED: "red",
  CANCELLED: "gray",
};

/** A table cell of exactly `width` characters, the last one a gap (longer text is cut with "…"). */
export function cell(text: string, width: number, align: "left" | "right" = "left"): string {
  if (width <= 1) return " ".repeat(Math.max(0, width));
  const room = width - 1;
  const cut = text.length > room ? `${text.slice(0, room - 1)}…` : text;
  return align === "right" ? `${cut.padStart(room)} ` : cut.padEnd(width);
}

/** 1234567 → "1,234,567" */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * Hard-wraps one line into pieces of at most `width` characters, so tracebacks keep every
 * character; continuation pieces are indented two more than the line itself.
 */
export function wrapLine(text: string, width: number): string[] {
  if (width <= 0 || text.length <= width) return [text];
  const indent = " ".repeat(Math.min(Math.floor(width / 2), (/^ */.exec(text)?.[0].length ?? 0) + 2));
  const pieces = [text.slice(0, width)];
  const room = width - indent.length;
  for (let i = width; i < text.length; i += room) pieces.push(indent + text.slice(i, i + room));
  return pieces;
}
