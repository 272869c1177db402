import { describe, expect, it } from "vitest";
import type { QueueCounts } from "../../src/contract/management.js";
import { outcomeMessage } from "../../src/ui/watch/actions.js";
import { contentWidths, fitColumns } from "../../src/ui/watch/columns.js";
import { HELP, helpLines } from "../../src/ui/watch/help.js";
import { type NumberedGroup, panelRequest, tabItems, tabRowsOf } from "../../src/ui/watch/panels.js";
import { errorsTable, queuesTable, retriesTable, scheduledTable } from "../../src/ui/watch/tab-tables.js";
import { availableTabs, tabBarItems } from "../../src/ui/watch/tabs.js";
import { record, snapshotOf, T0 } from "./watch-helpers.js";

const now = T0.getTime();
const counts = (over: Partial<QueueCounts["counts"]> = {}) => ({
  READY: 0,
  RUNNING: 0,
  SUCCEEDED: 0,
  FAILED: 0,
  CANCELLED: 0,
  ...over,
});
const group = (over: Partial<NumberedGroup> = {}): NumberedGroup => ({
  number: 1,
  id: "g1",
  exceptionClass: "RangeError",
  frame: "jobs.ts:3 charge",
  taskNames: ["charge"],
  count: 3,
  retrying: 1,
  firstSeen: new Date(now - 3_600_000),
  lastSeen: new Date(now - 60_000),
  lastMessage: "card declined",
  sampleTraceback: "RangeError: card declined\n    at charge (jobs.ts:3:9)",
  sampleId: "r1",
  ...over,
});

describe("tab bar", () => {
  it("numbers and names every tab when it fits, else names only the active one", () => {
    const tabs = availableTabs(true);
    expect(tabs).toEqual(["overview", "queues", "scheduled", "retries", "errors", "workers", "schedules"]);
    expect(availableTabs(false)).not.toContain("schedules");
    const wide = tabBarItems(tabs, "errors", 80).map((i) => i.text);
    expect(wide.join("  ")).toBe("1 Overview  2 Queues  3 Scheduled  4 Retries  [5 Errors]  6 Workers  7 Schedules");
    expect(wide.join("  ").length).toBeLessThanOrEqual(80);
    expect(tabBarItems(tabs, "errors", 60).map((i) => i.text)).toEqual(["1", "2", "3", "4", "[5 Errors]", "6", "7"]);
  });
});

describe("columns", () => {
  it("flex columns share the width within their bounds; droppable ones go first when narrow", () => {
    const cols = [
      { label: "A", width: 10 },
      { label: "B", flex: 1, min: 8, max: 20 },
      { label: "C", flex: 1, min: 8 },
      { label: "D", width: 12, drop: 1 },
    ];
    const wide = fitColumns(cols, 100);
    expect(wide.map((c) => [c.label, c.width])).toEqual([
      ["A", 10],
      ["B", 20],
      ["C", 58],
      ["D", 12],
    ]);
    const narrow = fitColumns(cols, 30);
    expect(narrow.map((c) => c.label)).toEqual(["A", "B", "C"]);
    expect(narrow.reduce((n, c) => n + c.width, 0)).toBeLessThanOrEqual(30);
  });

  it("a flex column wider than its text lends the rest to one its text does not fit", () => {
    // The Scheduled tab at 60 columns (56 for the cells): shared by weight, TASK (flex 2) kept
    // 10 for "noop" and QUEUE (flex 1) cut "default" to "defau…".
    const model = scheduledTable([record("n", { taskName: "noop", status: "READY", runAfter: T0 })], T0.getTime());
    const at = (w: number, wants?: number[]) =>
      Object.fromEntries(fitColumns(model.columns, w, wants).map((c) => [c.label, c.width]));
    expect(at(56)).toMatchObject({ TASK: 10, QUEUE: 7 });
    expect(at(56, contentWidths(model))).toMatchObject({ TASK: 9, QUEUE: 8 });
    // Wide, nothing is cut: the widths stay as the weights share them.
    expect(at(120, contentWidths(model))).toEqual(at(120));
    // Never below the lender's own text.
    const long = scheduledTable(
      [record("n", { taskName: "a".repeat(30), queueName: "notifications", status: "READY", runAfter: T0 })],
      T0.getTime(),
    );
    const lent = Object.fromEntries(fitColumns(long.columns, 56, contentWidths(long)).map((c) => [c.label, c.width]));
    expect(lent).toMatchObject({ TASK: 10, QUEUE: 7 });
  });
});

describe("tables", () => {
  it("queues: oldest due (deferred tasks are not late), falling back to oldest READY; paused state", () => {
    const queues: QueueCounts[] = [
      {
        queueName: "default",
        counts: counts({ READY: 2 }),
        oldestReadyAt: new Date(now - 3_600_000),
        oldestDueAt: null,
        paused: true,
      },
      { queueName: "emails", counts: counts({ READY: 1 }), oldestReadyAt: new Date(now - 120_000) },
    ];
    const { columns, rows } = queuesTable(queues, now);
    expect(columns.map((c) => c.label)).toContain("OLDEST DUE");
    const cells = rows.map((r) => r.cells.map((c) => c.text));
    expect(cells[0]).toEqual(["default", "paused", "2", "0", "0", "0", "0", "-"]);
    expect(cells[1]).toEqual(["emails", "-", "1", "0", "0", "0", "0", "2m ago"]);
  });

  it("scheduled: due in; retries: next try, attempts and the last error", () => {
    const deferred = record("d", { status: "READY", runAfter: new Date(now + 300_000), taskName: "report" });
    expect(scheduledTable([deferred], now).rows[0]?.cells.map((c) => c.text)).toEqual([
      "in 5m",
      "report",
      "default",
      "1m ago",
      "0",
      "00000000000d",
    ]);
    const retrying = record("r", {
      status: "READY",
      runAfter: new Date(now - 1000),
      workerIds: ["w1"],
      maxAttempts: 3,
      errors: [{ exceptionClass: "Error", message: "attempt 1 failed", traceback: "" }],
    });
    expect(retriesTable([retrying], now).rows[0]?.cells.map((c) => c.text)).toEqual([
      "now",
      "job",
      "default",
      "1/3",
      "Error: attempt 1 failed",
      "00000000000r",
    ]);
  });

  it("errors: numbered groups with counts, where, tasks, last seen and message", () => {
    const { rows } = errorsTable(
      [group(), group({ number: 2, id: "", frame: null, exceptionClass: "TypeError" })],
      now,
    );
    expect(rows[0]?.cells.map((c) => c.text)).toEqual([
      "1",
      "3",
      "1",
      "RangeError at jobs.ts:3 charge",
      "charge",
      "1m ago",
      "card declined",
    ]);
    // A backend grouping by task and class (no group id) still gets a stable row id.
    expect(rows[1]?.id).toBe("charge:TypeError");
  });

  it("errors: the error stops at 40 columns, so the last message gets the rest of a wide terminal", () => {
    const widths = (w: number) =>
      Object.fromEntries(fitColumns(errorsTable([group()], now).columns, w).map((c) => [c.label, c.width]));
    const at120 = widths(120);
    expect(at120.ERROR).toBe(40);
    expect(at120["LAST MESSAGE"]).toBeGreaterThan(30);
    const at200 = widths(200);
    expect(at200.ERROR).toBe(40);
    expect(at200["LAST MESSAGE"]).toBeGreaterThan(at200.ERROR ?? 0);
  });
});

describe("tab data", () => {
  it("asks the command only for the active tab's data", () => {
    expect(panelRequest("overview", {})).toBeNull();
    expect(panelRequest("queues", {})).toBeNull();
    expect(panelRequest("scheduled", { scheduled: "mail" })).toEqual({ tab: "scheduled", taskText: "mail" });
    expect(panelRequest("errors", { errors: "x" })).toEqual({ tab: "errors" });
  });

  it("sorts deferred tasks by due time and filters the other tabs' text on screen", () => {
    const later = record("a", { status: "READY", runAfter: new Date(now + 600_000) });
    const sooner = record("b", { status: "READY", runAfter: new Date(now + 60_000) });
    // The store's "scheduled" includes retry backoffs: those are the Retries tab's.
    const backoff = record("c", {
      status: "READY",
      runAfter: new Date(now + 1000),
      errors: [{ exceptionClass: "Error", message: "x", traceback: "" }],
    });
    const panel = { tab: "scheduled" as const, results: [later, backoff, sooner], hasMore: false };
    expect(tabItems("scheduled", null, panel, {}, 1000).scheduled?.map((r) => r.id)).toEqual([sooner.id, later.id]);
    const retries = { ...panel, tab: "retries" as const };
    expect(tabItems("retries", null, retries, {}, 1000).retries?.map((r) => r.id)).toEqual([
      backoff.id,
      sooner.id,
      later.id,
    ]);
    // Data for another tab is not this tab's: still loading.
    expect(tabItems("retries", null, panel, {}, 1000).retries).toBeNull();
    const errors = { tab: "errors" as const, groups: [group(), group({ id: "g2", exceptionClass: "TypeError" })] };
    const shown = tabItems("errors", null, { ...errors, canAct: true }, { errors: "typeerr" }, 1000);
    expect(shown.errors?.map((g) => g.id)).toEqual(["g2"]);
    // The group keeps its number in `tasks errors` (#2), which `tasks retry --group 2` acts on.
    expect(errorsTable(shown.errors ?? [], now).rows[0]?.cells[0]?.text).toBe("2");
    const snapshot = snapshotOf([record("1", { queueName: "emails" }), record("2")]);
    expect(tabItems("queues", snapshot, null, { queues: "MAIL" }, 1000).queues?.map((q) => q.queueName)).toEqual([
      "emails",
    ]);
    const rows = tabRowsOf("errors", shown, { pause: true, actOnGroups: false });
    expect(rows).toEqual({
      kind: "groups",
      rows: [{ id: "g2", label: "TypeError at jobs.ts:3 charge", failed: 3, retrying: 1, canAct: false }],
    });
  });
});

describe("help and outcomes", () => {
  it("the help lists every key, fitted to the width", () => {
    const lines = helpLines(70, availableTabs(false)).map((l) => l.text);
    const text = lines.join("\n");
    for (const section of HELP) {
      expect(text).toContain(section.title);
      for (const [key] of section.keys) expect(text).toContain(key.replace("1-7", "1-6"));
    }
    expect(text.replace(/\s+/g, " ")).toContain("1 Overview, 2 Queues, 3 Scheduled, 4 Retries, 5 Errors, 6 Workers");
    expect(lines.every((l) => l.length <= 70)).toBe(true);
  });

  it("says how many changed, and why the others did not", () => {
    const ok = (id: string) => ({ id, ok: true });
    expect(outcomeMessage("retry", [ok("a"), ok("b")])).toEqual({ text: "Retried 2 tasks", tone: "ok" });
    expect(
      outcomeMessage("cancel", [ok("a"), { id: "b", ok: false, reason: "it is RUNNING now" }], " of 1 group"),
    ).toEqual({ text: "Cancelled 1 of 2 tasks of 1 group; 1 could not: it is RUNNING now", tone: "error" });
  });
});
