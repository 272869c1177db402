/** Columns of the tabs' tables, fitted to the terminal's width. */

export interface Column {
  label: string;
  /** A fixed width (the gap included), or a share of what is left (`flex`, within min…max). */
  width?: number;
  flex?: number;
  min?: number;
  max?: number;
  align?: "left" | "right";
  /** Dropped when the terminal is too narrow: higher first. */
  drop?: number;
}

export interface Cell {
  text: string;
  color?: string;
  dim?: boolean;
}

export interface TableRow {
  id: string;
  cells: Cell[];
}

/** A tab's table: columns and one row of cells per item, in the same order. */
export interface TableModel {
  columns: Column[];
  rows: TableRow[];
}

/** Characters before the first column: the cursor (›), the mark (✓) and a space. */
export const MARKER_WIDTH = 3;

export interface FittedColumn extends Column {
  width: number;
  /** Position in the model's columns (rows' cells are picked by it). */
  index: number;
}

const minWidth = (c: Column) => c.width ?? c.min ?? 6;

/** The columns that fit `width` characters and their widths: the droppable ones go first, flex ones share the rest. */
export function fitColumns(columns: readonly Column[], width: number): FittedColumn[] {
  let shown = columns.map((c, index) => ({ ...c, index }));
  const needed = () => shown.reduce((n, c) => n + minWidth(c), 0);
  while (needed() > width) {
    const worst = shown.reduce<(typeof shown)[number] | null>(
      (w, c) => (c.drop !== undefined && (w === null || c.drop > (w.drop ?? 0)) ? c : w),
      null,
    );
    if (!worst) break;
    shown = shown.filter((c) => c !== worst);
  }
  const fixed = shown.reduce((n, c) => n + (c.width ?? 0), 0);
  let rest = Math.max(0, width - fixed);
  // Capped flex columns first, so what they do not take goes to the others.
  const flexes = shown.filter((c) => c.width === undefined).sort((a, b) => (a.max ?? Infinity) - (b.max ?? Infinity));
  let weights = flexes.reduce((n, c) => n + (c.flex ?? 1), 0);
  const widths = new Map<number, number>();
  for (const c of flexes) {
    const share = Math.floor((rest * (c.flex ?? 1)) / Math.max(1, weights));
    const w = Math.max(minWidth(c), Math.min(c.max ?? Infinity, share));
    widths.set(c.index, w);
    rest = Math.max(0, rest - w);
    weights -= c.flex ?? 1;
  }
  return shown.map((c) => ({ ...c, width: c.width ?? widths.get(c.index) ?? minWidth(c) }));
}

/** Numbers in a column: as wide as the heading or the widest value, plus a gap of two. */
export function numberColumn(label: string, values: readonly string[], drop?: number): Column {
  return { label, width: 2 + Math.max(label.length, ...values.map((v) => v.length)), align: "right", drop };
}
