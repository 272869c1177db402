import stringWidth from "string-width";
import { printable } from "./printable.js";

// Plain column tables for list commands. Widths are terminal columns (string-width: ANSI colour
// codes take none, a CJK character two), so wide names keep the columns aligned.
const width = (text: string) => stringWidth(text);

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
