/** Columns of the tabs' tables, fitted to the terminal's width. */
import { shownWidth } from "./format.js";

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

/** A flex column as lend() sees it: its width so far, its cap, and what its widest text takes. */
export interface Lending {
  width: number;
  max: number;
  /** The widest text's columns plus the gap (its heading's included). */
  want: number;
}

/**
 * Flex columns wider than their widest text lend the difference to ones cut short, in order,
 * never below their own text (its heading included): shared by weight alone, TASK kept 10
 * columns for "noop" at 60 columns while QUEUE cut "default" to "defau…". A column with no cap
 * or no measured text (want Infinity) neither lends nor borrows. Returns the new widths.
 */
export function lend(columns: readonly Lending[]): number[] {
  const widths = columns.map((c) => c.width);
  const target = (c: Lending) => (Number.isFinite(c.max) ? Math.min(c.max, c.want) : c.width);
  let needed = columns.reduce((n, c) => n + Math.max(0, target(c) - c.width), 0);
  let pool = 0;
  columns.forEach((c, i) => {
    const give = Math.min(needed, Math.max(0, c.width - c.want));
    widths[i] = c.width - give;
    needed -= give;
    pool += give;
  });
  columns.forEach((c, i) => {
    const take = Math.min(pool, Math.max(0, target(c) - c.width));
    widths[i] = (widths[i] ?? c.width) + take;
    pool -= take;
  });
  return widths;
}

/**
 * What each capped flex column's widest text (its heading included) takes, plus the gap, by
 * column index; Infinity for the others (lend leaves them be). Each distinct text is measured
 * once: a list holds few task and queue names, however many rows.
 */
export function contentWidths(model: TableModel): number[] {
  return model.columns.map((c, i) => {
    if (c.width !== undefined || c.max === undefined) return Infinity;
    const texts = new Set(model.rows.map((r) => r.cells[i]?.text ?? ""));
    return 1 + Math.max(shownWidth(c.label), ...[...texts].map(shownWidth));
  });
}

/**
 * The columns that fit `width` characters and their widths: the droppable ones go first, flex
 * ones share the rest; with `wants` (contentWidths), a flex column lends what its text does not
 * need to one its text does not fit (lend).
 */
export function fitColumns(columns: readonly Column[], width: number, wants?: readonly number[]): FittedColumn[] {
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
  if (wants) {
    const lending = flexes.map((c) => ({
      width: widths.get(c.index) ?? minWidth(c),
      max: c.max ?? Infinity,
      want: wants[c.index] ?? Infinity,
    }));
    const lent = lend(lending);
    for (const [i, c] of flexes.entries()) widths.set(c.index, lent[i] ?? minWidth(c));
  }
  return shown.map((c) => ({ ...c, width: c.width ?? widths.get(c.index) ?? minWidth(c) }));
}

/** Numbers in a column: as wide as the heading or the widest value, plus a gap of two. */
export function numberColumn(label: string, values: readonly string[], drop?: number): Column {
  return { label, width: 2 + Math.max(label.length, ...values.map((v) => v.length)), align: "right", drop };
}
