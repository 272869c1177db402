import stringWidth from "string-width";

// Plain column tables for list commands. Widths are terminal columns (string-width: ANSI colour
// codes take none, a CJK character two), so wide names keep the columns aligned.
const width = (text: string) => stringWidth(text);

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_OR_COLOUR = /\u001b\[[0-9;]*m|[\u0000-\u001f\u007f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: idem.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** One control character as it is shown: \n, \t, \r, else \uXXXX. */
function escaped(c: string): string {
  if (c === "\n") return "\\n";
  if (c === "\t") return "\\t";
  if (c === "\r") return "\\r";
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Text on one line: control characters (a newline in a stored name, say) shown escaped. Colour
 * codes are kept (`"keep"`: this module's tables colour their own cells), or escaped too
 * (`"escape"`: `tasks watch`, where Ink colours and every escape sequence came from the store).
 */
export function printable(text: string, colours: "keep" | "escape" = "keep"): string {
  if (colours === "escape") return text.replace(CONTROL, escaped);
  return text.replace(CONTROL_OR_COLOUR, (c) => (c.length > 1 ? c : escaped(c)));
}

export function renderTable(headers: string[], input: string[][]): string {
  const rows = input.map((row) => row.map((text) => printable(text)));
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - width(cell))))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}
