import { describe, expect, it } from "vitest";
import {
  initialView,
  type KeyContext,
  type KeyInfo,
  type RowRef,
  reconcile,
  reduceKey,
  scrollInto,
  type ViewState,
} from "../../src/ui/watch/keys.js";
import { computeLayout } from "../../src/ui/watch/layout.js";
import { NO_FILTERS } from "../../src/ui/watch/snapshot.js";

const rows = (n: number, status: RowRef["status"] = "SUCCEEDED"): RowRef[] =>
  Array.from({ length: n }, (_, i) => ({ id: `id${i}`, taskName: `t${i}`, status }));

const ctx = (results: RowRef[], extra: Partial<KeyContext> = {}): KeyContext => ({
  results,
  pageSize: 10,
  detail: null,
  detailLines: 0,
  detailPage: 5,
  queueNames: ["default", "emails"],
  ...extra,
});

/** Presses a sequence: strings are typed input, objects are special keys. */
function press(state: ViewState, c: KeyContext, ...keys: (string | KeyInfo)[]) {
  let s = state;
  const effects = [];
  for (const k of keys) {
    const r = typeof k === "string" ? reduceKey(s, k, {}, c) : reduceKey(s, "", k, c);
    s = r.state;
    if (r.effect) effects.push(r.effect);
  }
  return { state: s, effects };
}

const start = initialView(NO_FILTERS);

describe("list navigation", () => {
  it("moves, pages and jumps within bounds, keeping the cursor on screen", () => {
    const c = ctx(rows(35));
    let { state } = press(start, c, "j", "j", { downArrow: true });
    expect(state).toMatchObject({ cursor: 3, cursorId: "id3", top: 0 });
    state = press(state, c, "k", { upArrow: true }, "k", "k").state;
    expect(state).toMatchObject({ cursor: 0, top: 0 });
    state = press(state, c, { pageDown: true }).state;
    expect(state).toMatchObject({ cursor: 10, top: 10 });
    state = press(state, c, { pageDown: true }, { pageDown: true }, { pageDown: true }).state;
    expect(state).toMatchObject({ cursor: 34, top: 25 });
    state = press(state, c, { pageUp: true }).state;
    expect(state).toMatchObject({ cursor: 24, top: 15 });
    state = press(state, c, "g").state;
    expect(state).toMatchObject({ cursor: 0, top: 0 });
    state = press(state, c, "G").state;
    expect(state).toMatchObject({ cursor: 34, cursorId: "id34", top: 25 });
    state = press(state, c, { home: true }).state;
    expect(state.cursor).toBe(0);
  });

  it("does nothing harmful on an empty list", () => {
    const c = ctx([]);
    const { state, effects } = press(start, c, "j", "G", { return: true }, "R", "C");
    expect(state.mode).toBe("list");
    expect(state.cursor).toBe(0);
    expect(effects).toEqual([]);
    expect(state.message?.text).toBe("No task selected");
  });

  it("scrollInto moves the window as little as possible", () => {
    expect(scrollInto(0, 5, 10, 50)).toBe(0);
    expect(scrollInto(0, 12, 10, 50)).toBe(3);
    expect(scrollInto(20, 12, 10, 50)).toBe(12);
    expect(scrollInto(45, 49, 10, 50)).toBe(40);
  });
});

describe("reconcile after a refresh", () => {
  it("keeps the selected id, follows the newest at the top, clamps when the row is gone", () => {
    const before = rows(5);
    const c = ctx(before, { pageSize: 3 });
    const selected = press(start, c, "j", "j").state;
    const after = [{ id: "new", taskName: "new", status: "READY" as const }, ...before];
    expect(reconcile(selected, after, 3)).toMatchObject({ cursor: 3, cursorId: "id2", top: 1 });
    expect(reconcile(start, after, 3)).toMatchObject({ cursor: 0, cursorId: "new" });
    expect(reconcile(selected, rows(2), 3)).toMatchObject({ cursor: 1, cursorId: "id1" });
    expect(reconcile(selected, [], 3)).toMatchObject({ cursor: 0, cursorId: null, top: 0 });
  });
});

describe("detail view", () => {
  it("Enter opens the selected result; scrolling is clamped; Esc or ← goes back", () => {
    const c = ctx(rows(3), { detailLines: 12, detailPage: 5 });
    let { state } = press(start, c, "j", { return: true });
    expect(state).toMatchObject({ mode: "detail", detailId: "id1", detailScroll: 0 });
    state = press(state, c, "j", { downArrow: true }).state;
    expect(state.detailScroll).toBe(2);
    state = press(state, c, { pageDown: true }, { pageDown: true }).state;
    expect(state.detailScroll).toBe(7);
    state = press(state, c, "g").state;
    expect(state.detailScroll).toBe(0);
    state = press(state, c, "G", "k").state;
    expect(state.detailScroll).toBe(6);
    expect(press(state, c, { escape: true }).state.mode).toBe("list");
    expect(press(state, c, { leftArrow: true }).state).toMatchObject({ mode: "list", cursor: 1 });
  });
});

describe("filters", () => {
  it("backspace in a draft takes its last character whole: an emoji, a flag", () => {
    const c = ctx(rows(20));
    const typed = press(start, c, "/", "a", "🚀", "🇯🇵", { backspace: true }).state;
    expect(typed.draft).toBe("a🚀");
    expect(press(typed, c, { backspace: true }).state.draft).toBe("a");
  });

  it("/ edits a draft: Enter applies (cursor back to the top), Esc cancels", () => {
    const c = ctx(rows(20));
    let { state } = press(start, c, "G", "/", "m", "a", "x", { backspace: true }, "i", "l");
    expect(state).toMatchObject({ mode: "filter", draft: "mail" });
    expect(press(state, c, { escape: true }).state).toMatchObject({ mode: "list", filters: NO_FILTERS });
    state = press(state, c, { return: true }).state;
    expect(state).toMatchObject({ mode: "list", cursor: 0, top: 0, filters: { taskText: "mail" } });
    // q and p are text while typing, not commands.
    const typing = press(state, c, "/", "q", "p");
    expect(typing.effects).toEqual([]);
    expect(typing.state).toMatchObject({ draft: "mailqp", paused: false });
    expect(reduceKey(typing.state, "u", { ctrl: true }, c).state.draft).toBe("");
  });

  it("s cycles all → READY → RUNNING → SUCCEEDED → FAILED → CANCELLED → all", () => {
    const c = ctx(rows(3));
    let state = start;
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      state = press(state, c, "s").state;
      seen.push(state.filters.statuses.join(",") || "all");
    }
    expect(seen).toEqual(["READY", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "all"]);
    // Several statuses from --status count as the last position: the next is all.
    const several = { ...start, filters: { ...NO_FILTERS, statuses: ["READY" as const, "FAILED" as const] } };
    expect(press(several, c, "s").state.filters.statuses).toEqual([]);
  });

  it("Tab cycles the queues (Shift+Tab backwards)", () => {
    const c = ctx(rows(3));
    const tab = { tab: true };
    const a = press(start, c, tab).state;
    const b = press(a, c, tab).state;
    const all = press(b, c, tab).state;
    expect([a, b, all].map((s) => s.filters.queues)).toEqual([["default"], ["emails"], []]);
    expect(press(start, c, { tab: true, shift: true }).state.filters.queues).toEqual(["emails"]);
  });
});

describe("retry, cancel, pause, quit", () => {
  const mixed: RowRef[] = [
    { id: "f", taskName: "charge", status: "FAILED" },
    { id: "r", taskName: "mail", status: "READY" },
  ];

  it("R on a FAILED row asks; y gives a retry effect, anything else does not", () => {
    const c = ctx(mixed);
    const asked = press(start, c, "R").state;
    expect(asked).toMatchObject({ mode: "confirm", confirm: { action: "retry", id: "f", from: "list" } });
    const yes = press(asked, c, "y");
    expect(yes.effects).toEqual([{ type: "retry", id: "f", taskName: "charge" }]);
    expect(yes.state.mode).toBe("list");
    for (const other of ["n", "q", "x", { escape: true }, { return: true }]) {
      const no = press(asked, c, other);
      expect(no.effects).toEqual([]);
      expect(no.state).toMatchObject({ mode: "list", message: { text: "Not retried" } });
    }
  });

  it("C on a READY row asks; refuses the wrong status with a message", () => {
    const c = ctx(mixed);
    expect(press(start, c, "C").state.message?.text).toBe("Only READY tasks can be cancelled; charge is FAILED");
    expect(press(start, c, "j", "R").state.message?.text).toBe("Only FAILED tasks can be retried; mail is READY");
    const yes = press(start, c, "j", "C", "Y");
    expect(yes.effects).toEqual([{ type: "cancel", id: "r", taskName: "mail" }]);
  });

  it("from the detail view, the answer returns to the detail view", () => {
    const c = ctx(mixed, { detail: mixed[0] ?? null, detailLines: 3 });
    const { state, effects } = press(start, c, { return: true }, "R", "y");
    expect(effects).toEqual([{ type: "retry", id: "f", taskName: "charge" }]);
    expect(state.mode).toBe("detail");
  });

  it("p toggles pause; q and Ctrl+C quit; a key clears the last message", () => {
    const c = ctx(mixed);
    expect(press(start, c, "p").state.paused).toBe(true);
    expect(press(start, c, "p", "p").state.paused).toBe(false);
    expect(press(start, c, "q").effects).toEqual([{ type: "quit" }]);
    expect(reduceKey(start, "c", { ctrl: true }, c).effect).toEqual({ type: "quit" });
    const withMessage = press(start, c, "C").state;
    expect(press(withMessage, c, "j").state.message).toBeNull();
  });
});

describe("layout", () => {
  it("never uses more than rows − 1 lines", () => {
    for (const rowsCount of [10, 12, 24, 30, 50]) {
      for (const queues of [0, 1, 3, 12]) {
        const l = computeLayout(rowsCount, queues);
        // Header, tab bar, queue panel, results title and headings, rows, footer.
        const used = 4 + 1 + (l.queueRows > 0 ? l.queueRows + 1 : 0) + 2 + l.resultRows + 1;
        expect(used).toBeLessThanOrEqual(rowsCount - 1);
        // The detail and help views have no tab bar.
        expect(4 + 1 + l.detailRows + 1).toBeLessThanOrEqual(rowsCount - 1);
        expect(4 + 1 + 2 + l.listRows + 1).toBeLessThanOrEqual(rowsCount - 1);
      }
    }
    expect(computeLayout(24, 3)).toEqual({ queueRows: 3, resultRows: 11, detailRows: 17, listRows: 15 });
  });
});
