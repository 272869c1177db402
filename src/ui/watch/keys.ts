import type { TaskResultStatus } from "../../core/result.js";
import type { WatchFilters } from "./snapshot.js";

/**
 * The dashboard's navigation and filter state, and one pure reducer from key presses to the
 * next state plus an effect for the container to run (quit, retry, cancel).
 */

export type Mode = "list" | "detail" | "filter" | "confirm";

export interface Confirm {
  action: "retry" | "cancel";
  id: string;
  taskName: string;
  /** The view to return to after the answer. */
  from: "list" | "detail";
}

export interface Message {
  text: string;
  tone: "info" | "ok" | "error";
}

export interface ViewState {
  mode: Mode;
  /** Selected row (index into the results) and its id, kept across refreshes. */
  cursor: number;
  cursorId: string | null;
  /** First result row on screen. */
  top: number;
  /** The result shown in the detail view. */
  detailId: string | null;
  detailScroll: number;
  /** Text typed after `/`, applied on Enter. */
  draft: string;
  filters: WatchFilters;
  confirm: Confirm | null;
  message: Message | null;
  paused: boolean;
}

/** The parts of Ink's Key this reducer reads (tests can pass only what they need). */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
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

/** A row as the reducer needs it. */
export interface RowRef {
  id: string;
  taskName: string;
  status: TaskResultStatus;
}

export interface KeyContext {
  results: readonly RowRef[];
  /** Result rows on screen. */
  pageSize: number;
  /** The result in the detail view (may be gone from the filtered list). */
  detail: RowRef | null;
  /** Lines of the detail view's content, and how many fit on screen. */
  detailLines: number;
  detailPage: number;
  /** Queue names Tab cycles through. */
  queueNames: readonly string[];
}

export type Effect =
  | { type: "quit" }
  | { type: "retry"; id: string; taskName: string }
  | { type: "cancel"; id: string; taskName: string };

export interface Reduced {
  state: ViewState;
  effect?: Effect;
}

export const STATUS_CYCLE: readonly (TaskResultStatus | null)[] = [
  null,
  "READY",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
];

export function initialView(filters: WatchFilters): ViewState {
  return {
    mode: "list",
    cursor: 0,
    cursorId: null,
    top: 0,
    detailId: null,
    detailScroll: 0,
    draft: "",
    filters,
    confirm: null,
    message: null,
    paused: false,
  };
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

/** The first visible row that keeps `cursor` on screen, moving `top` as little as possible. */
export function scrollInto(top: number, cursor: number, pageSize: number, total: number): number {
  const size = Math.max(1, pageSize);
  let next = top;
  if (cursor < next) next = cursor;
  if (cursor >= next + size) next = cursor - size + 1;
  return clamp(next, 0, Math.max(0, total - size));
}

function moveTo(state: ViewState, cursor: number, ctx: KeyContext, top = state.top): ViewState {
  const n = ctx.results.length;
  if (n === 0) return { ...state, cursor: 0, cursorId: null, top: 0 };
  const c = clamp(cursor, 0, n - 1);
  return { ...state, cursor: c, cursorId: ctx.results[c]?.id ?? null, top: scrollInto(top, c, ctx.pageSize, n) };
}

/** After a new snapshot: keep the selected result selected (at the very top, follow the newest). */
export function reconcile(state: ViewState, results: readonly RowRef[], pageSize: number): ViewState {
  const n = results.length;
  if (n === 0) return { ...state, cursor: 0, cursorId: null, top: 0 };
  let cursor = clamp(state.cursor, 0, n - 1);
  if (state.cursor > 0 && state.cursorId !== null) {
    const found = results.findIndex((r) => r.id === state.cursorId);
    if (found >= 0) cursor = found;
  }
  const top = scrollInto(state.top + (cursor - state.cursor), cursor, pageSize, n);
  return { ...state, cursor, cursorId: results[cursor]?.id ?? null, top };
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

function withFilters(state: ViewState, filters: WatchFilters): Reduced {
  return { state: { ...state, filters, cursor: 0, cursorId: null, top: 0, message: null } };
}

function askConfirm(state: ViewState, action: Confirm["action"], row: RowRef | null | undefined): Reduced {
  const from = state.mode === "detail" ? "detail" : "list";
  if (!row) return { state: { ...state, message: { text: "No task selected", tone: "error" } } };
  const wanted = action === "retry" ? "FAILED" : "READY";
  if (row.status !== wanted) {
    const verb = action === "retry" ? "retried" : "cancelled";
    return {
      state: {
        ...state,
        message: { text: `Only ${wanted} tasks can be ${verb}; ${row.taskName} is ${row.status}`, tone: "error" },
      },
    };
  }
  return {
    state: { ...state, mode: "confirm", message: null, confirm: { action, id: row.id, taskName: row.taskName, from } },
  };
}

function isText(input: string, key: KeyInfo): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  return input.length > 0 && !key.ctrl && !key.meta && !/[\u0000-\u001f\u007f]/.test(input);
}

function reduceConfirm(state: ViewState, input: string): Reduced {
  const confirm = state.confirm;
  if (!confirm) return { state: { ...state, mode: "list" } };
  const back = { ...state, mode: confirm.from, confirm: null } satisfies ViewState;
  if (input === "y" || input === "Y") {
    const verb = confirm.action === "retry" ? "Retrying" : "Cancelling";
    return {
      state: { ...back, message: { text: `${verb} ${confirm.taskName}…`, tone: "info" } },
      effect: { type: confirm.action, id: confirm.id, taskName: confirm.taskName },
    };
  }
  const noun = confirm.action === "retry" ? "Not retried" : "Not cancelled";
  return { state: { ...back, message: { text: noun, tone: "info" } } };
}

function reduceFilter(state: ViewState, input: string, key: KeyInfo): Reduced {
  if (key.escape) return { state: { ...state, mode: "list", draft: "" } };
  if (key.return) {
    const taskText = state.draft.trim();
    return withFilters({ ...state, mode: "list", draft: "" }, { ...state.filters, taskText });
  }
  if (key.backspace || key.delete) return { state: { ...state, draft: state.draft.slice(0, -1) } };
  if (key.ctrl && input === "u") return { state: { ...state, draft: "" } };
  if (isText(input, key)) return { state: { ...state, draft: state.draft + input } };
  return { state };
}

function reduceDetail(state: ViewState, input: string, key: KeyInfo, ctx: KeyContext): Reduced {
  const max = Math.max(0, ctx.detailLines - ctx.detailPage);
  const scroll = (to: number) => ({ state: { ...state, detailScroll: clamp(to, 0, max) } });
  if (key.escape || key.leftArrow) return { state: { ...state, mode: "list", detailScroll: 0 } };
  if (key.upArrow || input === "k") return scroll(state.detailScroll - 1);
  if (key.downArrow || input === "j") return scroll(state.detailScroll + 1);
  if (key.pageUp) return scroll(state.detailScroll - ctx.detailPage);
  if (key.pageDown || input === " ") return scroll(state.detailScroll + ctx.detailPage);
  if (key.home || input === "g") return scroll(0);
  if (key.end || input === "G") return scroll(max);
  if (input === "R") return askConfirm(state, "retry", ctx.detail);
  if (input === "C") return askConfirm(state, "cancel", ctx.detail);
  return { state };
}

function reduceList(state: ViewState, input: string, key: KeyInfo, ctx: KeyContext): Reduced {
  const page = Math.max(1, ctx.pageSize);
  const n = ctx.results.length;
  if (key.upArrow || input === "k") return { state: moveTo(state, state.cursor - 1, ctx) };
  if (key.downArrow || input === "j") return { state: moveTo(state, state.cursor + 1, ctx) };
  if (key.pageUp) return { state: moveTo(state, state.cursor - page, ctx, state.top - page) };
  if (key.pageDown) return { state: moveTo(state, state.cursor + page, ctx, state.top + page) };
  if (key.home || input === "g") return { state: moveTo(state, 0, ctx, 0) };
  if (key.end || input === "G") return { state: moveTo(state, n - 1, ctx, n) };
  if (key.return) {
    const row = ctx.results[state.cursor];
    if (!row) return { state };
    return { state: { ...state, mode: "detail", detailId: row.id, detailScroll: 0 } };
  }
  if (input === "/") return { state: { ...state, mode: "filter", draft: state.filters.taskText } };
  if (input === "s") {
    const statuses = cycle(STATUS_CYCLE.slice(1) as TaskResultStatus[], state.filters.statuses, 1);
    return withFilters(state, { ...state.filters, statuses });
  }
  if (key.tab) {
    const queues = cycle(ctx.queueNames, state.filters.queues, key.shift ? -1 : 1);
    return withFilters(state, { ...state.filters, queues });
  }
  if (input === "R") return askConfirm(state, "retry", ctx.results[state.cursor]);
  if (input === "C") return askConfirm(state, "cancel", ctx.results[state.cursor]);
  return { state };
}

export function reduceKey(state: ViewState, input: string, key: KeyInfo, ctx: KeyContext): Reduced {
  if (key.ctrl && input === "c") return { state, effect: { type: "quit" } };
  if (state.mode === "confirm") return reduceConfirm(state, input);
  if (state.mode === "filter") return reduceFilter(state, input, key);
  // Any other key dismisses the last message.
  const base = state.message ? { ...state, message: null } : state;
  if (input === "q") return { state: base, effect: { type: "quit" } };
  if (input === "p") return { state: { ...base, paused: !base.paused } };
  return state.mode === "detail" ? reduceDetail(base, input, key, ctx) : reduceList(base, input, key, ctx);
}
