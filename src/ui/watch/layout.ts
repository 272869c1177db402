/** How many lines each panel gets. The frame never exceeds rows − 1 lines: at `rows` Ink clears the screen (flicker). */
export interface Layout {
  /** Queue rows shown on the overview (0 hides the panel on tiny terminals). */
  queueRows: number;
  /** Result rows shown on the overview. */
  resultRows: number;
  /** Body lines of the detail and help views (under the header and their title line; no tab bar). */
  detailRows: number;
  /** Rows of the other tabs' lists (under their title and column headings). */
  listRows: number;
}

const HEADER = 4; // title, counts, throughput, workers
const TAB_BAR = 1;
const LIST_CHROME = 2; // title + column headings
const FOOTER = 1;
const MAX_QUEUE_ROWS = 6;

export function computeLayout(rows: number, queueCount: number): Layout {
  const budget = Math.max(4, rows - 1);
  const content = budget - HEADER - TAB_BAR - FOOTER;
  const spare = content - LIST_CHROME;
  // The overview's queue panel is a heading plus rows; it takes at most a third of what is left.
  const queueRows = spare < 6 ? 0 : Math.min(Math.max(1, queueCount), MAX_QUEUE_ROWS, Math.floor(spare / 3));
  const queueLines = queueRows === 0 ? 0 : queueRows + 1;
  return {
    queueRows,
    resultRows: Math.max(1, spare - queueLines),
    detailRows: Math.max(1, budget - HEADER - 2),
    listRows: Math.max(1, spare),
  };
}
