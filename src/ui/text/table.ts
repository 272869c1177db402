import stringWidth from "string-width";

// Plain column tables for list commands. Widths are terminal columns (string-width: ANSI colour
// codes take none, a CJK character two), so wide names keep the columns aligned.
const width = (text: string) => stringWidth(text);

// biome-ignore lint/suspicious/noControlCharactersInRegex: idem.
const UNSAFE = /\u001b\[[0-9;]*m|[\u0000-\u001f\u007f]/g;

/** A cell's text on one line: control characters (a newline in a stored name, say) shown escaped, colours kept. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c.length > 1) return c;
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

export function renderTable(headers: string[], input: string[][]): string {
  const rows = input.map((row) => row.map(printable));
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - width(cell))))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}
