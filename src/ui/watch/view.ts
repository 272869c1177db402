import type { TaskResultStatus } from "../../core/result.js";
import type { WatchFilters } from "./snapshot.js";
import type { TabId } from "./tabs.js";

/**
 * The dashboard's view state (tab, mode, cursor, marks, filters, the open question) and the
 * types the key reducer (keys.ts) reads and produces.
 */

export type Mode = "list" | "detail" | "filter" | "confirm" | "help";

export type Effect =
  | { type: "quit" }
  /** One result, from the cursor or the detail view. */
  | { type: "retry" | "cancel"; id: string; taskName: string }
  /** The marked results of a list. */
  | { type: "tasks"; action: "retry" | "cancel"; ids: string[] }
  /** Every FAILED (retry) or READY (cancel) result of these failure groups. */
  | { type: "groups"; action: "retry" | "cancel"; groupIds: string[] }
  | { type: "queue"; action: "pause" | "resume"; queue: string };

export interface Confirm {
  action: "retry" | "cancel" | "pause" | "resume";
  /** The one result asked about (absent for marked rows, failure groups and queues). */
  id?: string;
  taskName?: string;
  /** "Retry chargeCard 0190…?", "Retry 5 FAILED tasks?" (the footer adds "(y/n)"). */
  question: string;
  /** What y does, and what the footer says then ("Retrying…") or after any other key. */
  effect: Effect;
  doing: string;
  declined: string;
  /** The view to return to after the answer. */
  from: "list" | "detail";
}

export interface Message {
  text: string;
  tone: "info" | "ok" | "error";
}

/** Where a list was left: restored when its tab is shown again. */
export interface Place {
  cursor: number;
  cursorId: string | null;
  top: number;
  selected: readonly string[];
}

export interface ViewState {
  mode: Mode;
  tab: TabId;
  /** The active list's selected row (index and id, kept across refreshes) and first row on screen. */
  cursor: number;
  cursorId: string | null;
  top: number;
  /** Ids marked with space in the active list. */
  selected: readonly string[];
  /** The other tabs' places. */
  places: Partial<Record<TabId, Place>>;
  /** The result (or failure group) shown in the detail view. */
  detailId: string | null;
  detailScroll: number;
  helpScroll: number;
  /** The view `?` was pressed in. */
  helpFrom: "list" | "detail";
  /** Text typed after `/`, applied on Enter. */
  draft: string;
  /** The overview's results filters (the store applies them). */
  filters: WatchFilters;
  /** The other tabs' `/` text. */
  texts: Partial<Record<TabId, string>>;
  confirm: Confirm | null;
  message: Message | null;
  paused: boolean;
}

/** The parts of Ink's Key this reducer reads (tests can pass only what they need). */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  tab?: boolean;
  shift?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

/** A task result row as the reducer needs it. */
export interface RowRef {
  id: string;
  taskName: string;
  status: TaskResultStatus;
  /**
   * A READY one that waits: "retrying" (a failed attempt behind it, its next one ahead) or
   * "scheduled" (not due yet, never failed), as the Retries and Scheduled tabs read them.
   */
  waiting?: "scheduled" | "retrying";
}

/** A failure group row: how many of its results R (FAILED) and C (READY, retrying) would touch. */
export interface GroupRef {
  id: string;
  label: string;
  failed: number;
  retrying: number;
  /** False when the backend cannot list a group's ids. */
  canAct: boolean;
}

export interface QueueRef {
  id: string;
  paused: boolean;
  /** False when the backend cannot pause queues. */
  canPause: boolean;
}

/** The active tab's rows when it is not the overview. */
export type TabRows =
  | { kind: "tasks"; rows: readonly RowRef[] }
  | { kind: "groups"; rows: readonly GroupRef[] }
  | { kind: "queues"; rows: readonly QueueRef[] }
  | { kind: "plain"; rows: readonly { id: string }[] };

export interface KeyContext {
  /** The overview's results. */
  results: readonly RowRef[];
  /** Rows of the active list on screen. */
  pageSize: number;
  /** The result in the detail view (may be gone from the filtered list). */
  detail: RowRef | null;
  /** Lines of the detail view's content, and how many fit on screen (the help view's too). */
  detailLines: number;
  detailPage: number;
  /** Queue names Tab cycles through. */
  queueNames: readonly string[];
  /** The active tab's rows when it is not the overview. */
  rows?: TabRows;
  /** The tabs shown, in order (default: all but Schedules). */
  tabs?: readonly TabId[];
  helpLines?: number;
}

export const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

export interface Reduced {
  state: ViewState;
  effect?: Effect;
}

export function initialView(filters: WatchFilters, tab: TabId = "overview"): ViewState {
  return {
    mode: "list",
    tab,
    cursor: 0,
    cursorId: null,
    top: 0,
    selected: [],
    places: {},
    detailId: null,
    detailScroll: 0,
    helpScroll: 0,
    helpFrom: "list",
    draft: "",
    filters,
    texts: {},
    confirm: null,
    message: null,
    paused: false,
  };
}

/** The first visible row that keeps `cursor` on screen, moving `top` as little as possible. */
export function scrollInto(top: number, cursor: number, pageSize: number, total: number): number {
  const size = Math.max(1, pageSize);
  let next = top;
  if (cursor < next) next = cursor;
  if (cursor >= next + size) next = cursor - size + 1;
  return clamp(next, 0, Math.max(0, total - size));
}

/**
 * After new data for the active list: keep the selected row selected (at the very top, follow
 * the newest), and drop marks of rows that left the list (a bulk action only touches rows on screen).
 */
export function reconcile(state: ViewState, rows: readonly { id: string }[], pageSize: number): ViewState {
  const n = rows.length;
  const present = new Set(rows.map((r) => r.id));
  const selected = state.selected.some((id) => !present.has(id))
    ? state.selected.filter((id) => present.has(id))
    : state.selected;
  if (n === 0) return { ...state, cursor: 0, cursorId: null, top: 0, selected };
  let cursor = clamp(state.cursor, 0, n - 1);
  if (state.cursor > 0 && state.cursorId !== null) {
    const found = rows.findIndex((r) => r.id === state.cursorId);
    if (found >= 0) cursor = found;
  }
  const top = scrollInto(state.top + (cursor - state.cursor), cursor, pageSize, n);
  return { ...state, cursor, cursorId: rows[cursor]?.id ?? null, top, selected };
}

/** The rows the active tab's cursor moves over. */
export function activeRows(state: ViewState, ctx: KeyContext): readonly { id: string }[] {
  return state.tab === "overview" ? ctx.results : (ctx.rows?.rows ?? []);
}
