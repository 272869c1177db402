import stringWidth from "string-width";
import { printable } from "../text/printable.js";
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

/** Text by graphemes: a character as a person sees it (an emoji sequence, a letter and its accents). */
export const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * The longest start of `text` that takes at most `columns` terminal columns, measured as Ink
 * measures (string-width: a CJK character takes two columns, a combining mark none), never
 * splitting a character or an emoji sequence; and the columns it takes.
 */
export function fitColumns(text: string, columns: number): { text: string; width: number } {
  let width = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (width + w > columns) break;
    width += w;
    end = index + segment.length;
  }
  return { text: text.slice(0, end), width };
}

/** Past this many characters a text is wider than any column: the rest is not measured. */
const MEASURED_CHARS = 200;

/** The columns a text takes in a cell (escaped as cell() shows it), at most MEASURED_CHARS' worth. */
export function shownWidth(text: string): number {
  return stringWidth(printable(text.length > MEASURED_CHARS ? text.slice(0, MEASURED_CHARS) : text, "escape"));
}

/** A table cell of exactly `width` columns, the last one a gap (longer text is cut with "…"). */
export function cell(text: string, width: number, align: "left" | "right" = "left"): string {
  if (width <= 1) return " ".repeat(Math.max(0, width));
  const room = width - 1;
  // A cell shows at most `room` columns, so no more than a few times that much of the text is
  // escaped and measured: a 5 MB error message would otherwise be, at every refresh.
  const head = text.length > room * 4 ? text.slice(0, room * 4) : text;
  const shown = printable(head, "escape");
  const whole = stringWidth(shown);
  const fits = whole <= room && head.length === text.length;
  const fitted = fits ? { text: shown, width: whole } : fitColumns(shown, room - 1);
  const cut = fits ? fitted.text : `${fitted.text}…`;
  const pad = " ".repeat(room - fitted.width - (fits ? 0 : 1));
  return align === "right" ? `${pad}${cut} ` : `${cut}${pad} `;
}

/** 1234567 → "1,234,567" */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * Hard-wraps one line into pieces of at most `width` columns (see fitColumns), so tracebacks
 * keep every character; continuation pieces are indented two more than the line itself.
 * Control characters and escape sequences are escaped first (printable).
 */
export function wrapLine(line: string, width: number): string[] {
  const text = printable(line, "escape");
  if (width <= 0 || stringWidth(text) <= width) return [text];
  const indent = " ".repeat(Math.min(Math.floor(width / 2), (/^ */.exec(text)?.[0].length ?? 0) + 2));
  const pieces: string[] = [];
  let rest = text;
  let room = width;
  while (rest.length > 0) {
    const { text: piece } = fitColumns(rest, room);
    // A character wider than the room (a CJK one in a 1-column room) goes alone.
    const taken = piece.length > 0 ? piece : (graphemes.segment(rest)[Symbol.iterator]().next().value?.segment ?? rest);
    pieces.push(pieces.length === 0 ? taken : indent + taken);
    rest = rest.slice(taken.length);
    room = width - indent.length;
  }
  return pieces;
}
