import { describe, expect, it } from "vitest";
import { splitPresses } from "../../src/ui/watch/chunk.js";
import {
  type GroupRef,
  initialView,
  type KeyContext,
  type KeyInfo,
  type QueueRef,
  type RowRef,
  reconcile,
  reduceKey,
  type ViewState,
} from "../../src/ui/watch/keys.js";
import { NO_FILTERS } from "../../src/ui/watch/snapshot.js";
import { availableTabs } from "../../src/ui/watch/tabs.js";

const TABS = availableTabs(true);
const tasks = (...statuses: RowRef["status"][]): RowRef[] =>
  statuses.map((status, i) => ({ id: `t${i}`, taskName: `task${i}`, status }));

const ctx = (extra: Partial<KeyContext> = {}): KeyContext => ({
  results: tasks("FAILED", "FAILED", "READY", "SUCCEEDED"),
  pageSize: 10,
  detail: null,
  detailLines: 0,
  detailPage: 5,
  queueNames: ["default", "emails"],
  tabs: TABS,
  ...extra,
});

/** Presses keys in order: strings are typed input (split like a chunk), objects special keys. */
function press(state: ViewState, c: KeyContext, ...keys: (string | KeyInfo)[]) {
  let s = state;
  const effects = [];
  for (const k of keys) {
    const presses = typeof k === "string" ? splitPresses(k, {}) : [{ input: "", key: k }];
    for (const p of presses) {
      const r = reduceKey(s, p.input, p.key, c);
      s = r.state;
      if (r.effect) effects.push(r.effect);
    }
  }
  return { state: s, effects };
}

const start = initialView(NO_FILTERS);

describe("keys arriving in one chunk", () => {
  it("splits a chunk into presses, with the flags each control character has alone", () => {
    expect(splitPresses("jj\r", {})).toEqual([
      { input: "j", key: {} },
      { input: "j", key: {} },
      { input: "", key: { return: true } },
    ]);
    expect(splitPresses("R\t\u007f\u0003", {})).toEqual([
      { input: "R", key: { shift: true } },
      { input: "", key: { tab: true } },
      { input: "", key: { delete: true } },
      { input: "c", key: { ctrl: true } },
    ]);
    // A single key, or one Ink already parsed, passes through unchanged.
    expect(splitPresses("j", {})).toEqual([{ input: "j", key: {} }]);
    expect(splitPresses("", { return: true })).toEqual([{ input: "", key: { return: true } }]);
    expect(splitPresses("ab", { meta: true })).toEqual([{ input: "ab", key: { meta: true } }]);
  });

  it("j j Enter in one chunk opens the third row; a typed filter and its Enter apply", () => {
    const c = ctx();
    expect(press(start, c, "jj\r").state).toMatchObject({ mode: "detail", detailId: "t2" });
    expect(press(start, c, "/mail\r").state).toMatchObject({ mode: "list", filters: { taskText: "mail" } });
    expect(press(start, c, "jj\u0003").effects).toEqual([{ type: "quit" }]);
  });
});

describe("tabs", () => {
  it("digits, ←/→ and [ ] switch tabs, wrapping around", () => {
    const c = ctx();
    expect(press(start, c, "3").state.tab).toBe("scheduled");
    expect(press(start, c, "7").state.tab).toBe("schedules");
    expect(press(start, c, "9").state.tab).toBe("overview");
    expect(press(start, c, { rightArrow: true }).state.tab).toBe("queues");
    expect(press(start, c, { leftArrow: true }).state.tab).toBe("schedules");
    expect(press(start, c, "]", "]", "[").state.tab).toBe("queues");
    // Without the Schedules tab there are six.
    expect(press(start, ctx({ tabs: availableTabs(false) }), { leftArrow: true }).state.tab).toBe("workers");
  });

  it("each tab keeps its cursor and marks; another tab starts at the top", () => {
    const c = ctx();
    const marked = press(start, c, " ", "j").state;
    expect(marked).toMatchObject({ cursor: 2, selected: ["t0"] });
    const errors = press(marked, c, "5").state;
    expect(errors).toMatchObject({ tab: "errors", cursor: 0, cursorId: null, selected: [] });
    const back = press(errors, c, "1").state;
    expect(back).toMatchObject({ tab: "overview", cursor: 2, cursorId: "t2", selected: ["t0"] });
  });

  it("/ filters the active tab only; s and Tab are the overview's", () => {
    const c = ctx({ rows: { kind: "tasks", rows: tasks("READY") } });
    const scheduled = press(start, c, "3", "/", "mail", { return: true }).state;
    expect(scheduled).toMatchObject({ tab: "scheduled", texts: { scheduled: "mail" }, filters: NO_FILTERS });
    expect(press(scheduled, c, "/").state.draft).toBe("mail");
    expect(press(scheduled, c, "s", { tab: true }).state.filters).toEqual(NO_FILTERS);
    expect(press(scheduled, c, "1", "/").state.draft).toBe("");
  });

  it("Enter on a queue opens the overview filtered by it", () => {
    const queues: QueueRef[] = [
      { id: "default", paused: false, canPause: true },
      { id: "emails", paused: true, canPause: true },
    ];
    const { state } = press(start, ctx({ rows: { kind: "queues", rows: queues } }), "2", "j", { return: true });
    expect(state).toMatchObject({ tab: "overview", mode: "list", cursor: 0, filters: { queues: ["emails"] } });
  });
});

describe("marking and bulk actions", () => {
  it("space marks and moves on, a marks all or none, Esc clears", () => {
    const c = ctx();
    let { state } = press(start, c, " ", " ");
    expect(state).toMatchObject({ cursor: 2, selected: ["t0", "t1"] });
    state = press(state, c, "k", " ").state;
    expect(state.selected).toEqual(["t0"]);
    expect(press(state, c, "a").state.selected).toEqual(["t0", "t1", "t2", "t3"]);
    expect(press(state, c, "a", "a").state.selected).toEqual([]);
    const cleared = press(state, c, { escape: true }).state;
    expect(cleared).toMatchObject({ selected: [], message: { text: "Marks cleared" } });
    // Nothing to mark on the Queues tab.
    expect(press(start, c, "2", " ").state.message?.text).toBe("Nothing to mark on this tab");
  });

  it("R on marked rows asks with the count of FAILED ones; y retries exactly those and clears the marks", () => {
    const c = ctx();
    const asked = press(start, c, "a", "R").state;
    expect(asked.confirm).toMatchObject({
      action: "retry",
      question: "Retry 2 FAILED tasks (2 other marked tasks stay as is)?",
    });
    const yes = press(asked, c, "y");
    expect(yes.effects).toEqual([{ type: "tasks", action: "retry", ids: ["t0", "t1"] }]);
    expect(yes.state).toMatchObject({ mode: "list", selected: [], message: { text: "Retrying 2 tasks…" } });
    const no = press(asked, c, "n").state;
    expect(no).toMatchObject({ selected: ["t0", "t1", "t2", "t3"], message: { text: "Not retried" } });
  });

  it("C on marked rows counts the READY ones; none fitting is a message, not a question", () => {
    const c = ctx();
    expect(press(start, c, "jj ", "C").state.confirm?.question).toBe("Cancel 1 READY task?");
    const none = press(start, c, "  ", "C").state;
    expect(none).toMatchObject({
      mode: "list",
      confirm: null,
      message: { text: "None of the 2 marked tasks is READY" },
    });
  });

  it("marks of rows that left the list are dropped on refresh", () => {
    const marked = press(start, ctx(), "a").state;
    expect(reconcile(marked, tasks("FAILED", "FAILED"), 10).selected).toEqual(["t0", "t1"]);
  });
});

describe("failure groups", () => {
  const groups: GroupRef[] = [
    { id: "g1", label: "RangeError at jobs.ts:3 charge", failed: 4, retrying: 1, canAct: true },
    { id: "g2", label: "TypeError", failed: 0, retrying: 2, canAct: true },
  ];
  const c = ctx({ rows: { kind: "groups", rows: groups } });

  it("R retries the cursor's group, or the marked ones, counting their FAILED tasks", () => {
    const one = press(start, c, "5", "R").state;
    expect(one.confirm?.question).toBe("Retry 4 FAILED tasks of failure group RangeError at jobs.ts:3 charge?");
    expect(press(one, c, "y").effects).toEqual([{ type: "groups", action: "retry", groupIds: ["g1"] }]);
    const both = press(start, c, "5", "a", "C").state;
    expect(both.confirm?.question).toBe("Cancel 3 tasks waiting to retry in 2 failure groups?");
    expect(press(start, c, "5", "j", "R").state.message?.text).toBe("No FAILED task in failure group TypeError");
  });

  it("from a group's detail view, R acts on that group; a backend that cannot list ids refuses", () => {
    const detail = press(start, c, "5", "j", { return: true }).state;
    expect(detail).toMatchObject({ mode: "detail", detailId: "g2" });
    expect(press(detail, c, "C").state.confirm?.effect).toEqual({ type: "groups", action: "cancel", groupIds: ["g2"] });
    const cannot = ctx({ rows: { kind: "groups", rows: groups.map((g) => ({ ...g, canAct: false })) } });
    expect(press(start, cannot, "5", "R").state.message?.text).toMatch(/^This backend cannot list a failure group/);
  });
});

describe("P on the Queues tab", () => {
  const queues: QueueRef[] = [
    { id: "default", paused: false, canPause: true },
    { id: "emails", paused: true, canPause: true },
  ];
  const c = ctx({ rows: { kind: "queues", rows: queues } });

  it("asks before pausing the selected queue, or before resuming a paused one", () => {
    const pause = press(start, c, "2", "P");
    expect(pause.state.confirm).toMatchObject({ action: "pause", effect: { type: "queue", queue: "default" } });
    expect(pause.state.confirm?.question).toMatch(/^Pause queue default\? Workers start none of its tasks/);
    expect(press(pause.state, c, "y").effects).toEqual([{ type: "queue", action: "pause", queue: "default" }]);
    expect(press(pause.state, c, "x").state.message?.text).toBe("default not paused");
    const resume = press(start, c, "2", "j", "P", "Y");
    expect(resume.effects).toEqual([{ type: "queue", action: "resume", queue: "emails" }]);
  });

  it("elsewhere, or on a backend that cannot pause, says why instead", () => {
    expect(press(start, c, "P").state.message?.text).toBe("P pauses or resumes a queue: pick it on the Queues tab");
    const cannot = ctx({ rows: { kind: "queues", rows: queues.map((q) => ({ ...q, canPause: false })) } });
    expect(press(start, cannot, "2", "P").state.message?.text).toBe("This backend cannot pause queues");
    expect(press(start, c, "2", "R").state.message?.text).toBe(
      "R and C act on the Overview, Scheduled, Retries and Errors tabs",
    );
  });
});

describe("help", () => {
  it("? opens every key; it scrolls; ?, Esc or q close it (q does not quit) and return where it was", () => {
    const c = ctx({ helpLines: 40, detailPage: 10, detailLines: 3 });
    const open = press(start, c, "?").state;
    expect(open).toMatchObject({ mode: "help", helpScroll: 0 });
    expect(press(open, c, "j", "j", { pageDown: true }).state.helpScroll).toBe(12);
    expect(press(open, c, "G").state.helpScroll).toBe(30);
    for (const close of ["?", "q", { escape: true }]) {
      const closed = press(open, c, close);
      expect(closed.state.mode).toBe("list");
      expect(closed.effects).toEqual([]);
    }
    const fromDetail = press(start, c, { return: true }, "?", { escape: true }).state;
    expect(fromDetail.mode).toBe("detail");
  });
});
