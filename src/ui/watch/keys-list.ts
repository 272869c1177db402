import type { TaskResultStatus } from "../../core/result.js";
import { availableTabs, SELECTABLE_TABS, TASK_TABS, type TabId } from "./tabs.js";
import {
  activeRows,
  clamp,
  type KeyContext,
  type KeyInfo,
  type Place,
  type Reduced,
  scrollInto,
  type ViewState,
} from "./view.js";

/** List keys: moving, paging, switching tabs, marking rows, filters, opening a row. */

export const STATUS_CYCLE: readonly (TaskResultStatus | null)[] = [
  null,
  "READY",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
];

export function moveTo(state: ViewState, cursor: number, ctx: KeyContext, top = state.top): ViewState {
  const rows = activeRows(state, ctx);
  const n = rows.length;
  if (n === 0) return { ...state, cursor: 0, cursorId: null, top: 0 };
  const c = clamp(cursor, 0, n - 1);
  return { ...state, cursor: c, cursorId: rows[c]?.id ?? null, top: scrollInto(top, c, ctx.pageSize, n) };
}

/** j/k, arrows, PgUp/PgDn (space too), g/G on a scrolled text: the new offset, or null for another key. */
export function reduceScroll(offset: number, input: string, key: KeyInfo, lines: number, page: number): number | null {
  const max = Math.max(0, lines - page);
  const to = (n: number) => clamp(n, 0, max);
  if (key.upArrow || input === "k") return to(offset - 1);
  if (key.downArrow || input === "j") return to(offset + 1);
  if (key.pageUp) return to(offset - page);
  if (key.pageDown || input === " ") return to(offset + page);
  if (key.home || input === "g") return 0;
  if (key.end || input === "G") return max;
  return null;
}

function cycle<T>(list: readonly T[], current: readonly T[], step: 1 | -1): T[] {
  // Positions: 0 = all, 1..n = one item; several at once (from flags) counts as the last position.
  const size = list.length + 1;
  const first = current[0];
  const pos =
    current.length === 0 ? 0 : current.length === 1 && first !== undefined ? list.indexOf(first) + 1 : size - 1;
  const next = (((Math.max(pos, 0) + step) % size) + size) % size;
  const item = list[next - 1];
  return next === 0 || item === undefined ? [] : [item];
}

function withFilters(state: ViewState, filters: ViewState["filters"]): Reduced {
  return { state: { ...state, filters, cursor: 0, cursorId: null, top: 0, message: null } };
}

/** Shows another tab where its list was left (cursor, scroll, marks). */
export function switchTab(state: ViewState, tab: TabId): ViewState {
  if (tab === state.tab) return state;
  const here: Place = { cursor: state.cursor, cursorId: state.cursorId, top: state.top, selected: state.selected };
  const there = state.places[tab] ?? { cursor: 0, cursorId: null, top: 0, selected: [] };
  return { ...state, ...there, tab, mode: "list", detailId: null, places: { ...state.places, [state.tab]: here } };
}

function tabKey(state: ViewState, input: string, key: KeyInfo, ctx: KeyContext): TabId | null {
  const tabs = ctx.tabs ?? availableTabs(false);
  const at = Math.max(0, tabs.indexOf(state.tab));
  if (/^[1-9]$/.test(input)) return tabs[Number(input) - 1] ?? null;
  if (key.rightArrow || input === "]") return tabs[(at + 1) % tabs.length] ?? null;
  if (key.leftArrow || input === "[") return tabs[(at - 1 + tabs.length) % tabs.length] ?? null;
  return null;
}

function toggleMark(state: ViewState, ctx: KeyContext): Reduced {
  if (!SELECTABLE_TABS.includes(state.tab)) {
    return { state: { ...state, message: { text: "Nothing to mark on this tab", tone: "error" } } };
  }
  const id = activeRows(state, ctx)[state.cursor]?.id;
  if (id === undefined) return { state };
  const selected = state.selected.includes(id) ? state.selected.filter((s) => s !== id) : [...state.selected, id];
  // The cursor moves on, so holding space marks a run of rows.
  return { state: moveTo({ ...state, selected }, state.cursor + 1, ctx) };
}

function markAll(state: ViewState, ctx: KeyContext): Reduced {
  if (!SELECTABLE_TABS.includes(state.tab)) return { state };
  const ids = activeRows(state, ctx).map((r) => r.id);
  const all = ids.length > 0 && ids.every((id) => state.selected.includes(id));
  return { state: { ...state, selected: all ? [] : ids } };
}

function open(state: ViewState, ctx: KeyContext): Reduced {
  const row = activeRows(state, ctx)[state.cursor];
  if (!row) return { state };
  if (TASK_TABS.includes(state.tab) || state.tab === "errors") {
    return { state: { ...state, mode: "detail", detailId: row.id, detailScroll: 0 } };
  }
  if (state.tab === "queues") {
    // A queue opens the overview's results of that queue.
    const next = switchTab(state, "overview");
    return withFilters(next, { ...next.filters, queues: [row.id] });
  }
  return { state };
}

export function reduceList(state: ViewState, input: string, key: KeyInfo, ctx: KeyContext): Reduced {
  const page = Math.max(1, ctx.pageSize);
  const n = activeRows(state, ctx).length;
  if (key.upArrow || input === "k") return { state: moveTo(state, state.cursor - 1, ctx) };
  if (key.downArrow || input === "j") return { state: moveTo(state, state.cursor + 1, ctx) };
  if (key.pageUp) return { state: moveTo(state, state.cursor - page, ctx, state.top - page) };
  if (key.pageDown) return { state: moveTo(state, state.cursor + page, ctx, state.top + page) };
  if (key.home || input === "g") return { state: moveTo(state, 0, ctx, 0) };
  if (key.end || input === "G") return { state: moveTo(state, n - 1, ctx, n) };
  if (key.return) return open(state, ctx);
  const tab = tabKey(state, input, key, ctx);
  if (tab) return { state: switchTab(state, tab) };
  if (input === " ") return toggleMark(state, ctx);
  if (input === "a") return markAll(state, ctx);
  if (key.escape && state.selected.length > 0) {
    return { state: { ...state, selected: [], message: { text: "Marks cleared", tone: "info" } } };
  }
  if (input === "/") {
    const draft = state.tab === "overview" ? state.filters.taskText : (state.texts[state.tab] ?? "");
    return { state: { ...state, mode: "filter", draft } };
  }
  if (state.tab !== "overview") return { state };
  if (input === "s") {
    const statuses = cycle(STATUS_CYCLE.slice(1) as TaskResultStatus[], state.filters.statuses, 1);
    return withFilters(state, { ...state.filters, statuses });
  }
  if (key.tab) {
    const queues = cycle(ctx.queueNames, state.filters.queues, key.shift ? -1 : 1);
    return withFilters(state, { ...state.filters, queues });
  }
  return { state };
}
