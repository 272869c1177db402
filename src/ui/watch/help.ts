import type { DetailLine } from "./detail.js";
import { TAB_LABEL, type TabId } from "./tabs.js";

/** Every key of the dashboard, by where it works: the `?` view (README's key table says the same). */
export const HELP: readonly { title: string; keys: readonly [string, string][] }[] = [
  {
    title: "Everywhere",
    keys: [
      ["1-7, ←/→, [ ]", "switch tab: TABS"],
      ["?", "this list (Esc, ? or q closes it)"],
      ["p", "pause refreshing (the header says PAUSED); p again resumes"],
      ["q, Ctrl+C", "quit (the terminal is restored)"],
    ],
  },
  {
    title: "Lists",
    keys: [
      ["↑/↓, j/k", "move"],
      ["PgUp/PgDn, g/G", "page, top/bottom"],
      ["Enter", "open: a result or a failure group in full; on Queues, that queue's results"],
      ["/", "filter this tab: task names on Overview, Scheduled, Retries; any text elsewhere (Enter applies)"],
    ],
  },
  {
    title: "Overview",
    keys: [
      ["s", "cycle the status filter (all, READY, RUNNING, SUCCEEDED, FAILED, CANCELLED)"],
      ["Tab, Shift+Tab", "cycle the queue filter"],
    ],
  },
  {
    title: "Marking and acting (Overview, Scheduled, Retries, Errors)",
    keys: [
      ["space", "mark or unmark the row (the cursor moves on)"],
      ["a", "mark every row shown, or unmark them all"],
      ["Esc", "clear the marks"],
      ["R", "retry the marked FAILED tasks, else the selected one; on Errors, every FAILED task of the groups"],
      ["C", "cancel the marked READY tasks, else the selected one; on Errors, every task waiting to retry"],
    ],
  },
  {
    title: "Queues",
    keys: [["P", "pause the selected queue (workers start none of its tasks), or resume it"]],
  },
  {
    title: "Detail",
    keys: [
      ["↑/↓, j/k, PgUp/PgDn, g/G", "scroll"],
      ["Esc, ←", "back to the list"],
      ["R, C", "retry or cancel it (a failure group: all of its tasks)"],
    ],
  },
];

/** Splits text into lines of at most `width` characters at spaces (a longer word is cut). */
function wordWrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = "";
    }
    line = line ? `${line} ${word}` : word;
    while (line.length > width) {
      out.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  return [...out, line];
}

/** The help as lines for a width and the tabs shown: keys in a column, descriptions wrapped beside them. */
export function helpLines(width: number, tabs: readonly TabId[]): DetailLine[] {
  const lines: DetailLine[] = [];
  const keyWidth = Math.max(...HELP.flatMap((s) => s.keys.map(([k]) => k.length))) + 2;
  const tabNames = tabs.map((tab, i) => `${i + 1} ${TAB_LABEL[tab]}`).join(", ");
  for (const section of HELP) {
    if (lines.length > 0) lines.push({ text: "" });
    lines.push({ text: section.title, bold: true });
    for (const [key, what] of section.keys) {
      const shownKey = key.replace("1-7", `1-${tabs.length}`);
      const pieces = wordWrap(what.replace("TABS", tabNames), Math.max(20, width - keyWidth - 2));
      pieces.forEach((piece, i) => {
        lines.push({ text: `  ${(i === 0 ? shownKey : "").padEnd(keyWidth)}${piece}` });
      });
    }
  }
  lines.push({ text: "" }, { text: "Every action asks y/n first and says what it would touch.", dim: true });
  return lines;
}
