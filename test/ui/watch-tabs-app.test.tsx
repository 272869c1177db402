import { render } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FailureGroup, IdOutcome, QueueCounts } from "../../src/contract/management.js";
import type { TaskResultData } from "../../src/core/result.js";
import type { PanelData, PanelRequest } from "../../src/ui/watch/panels.js";
import type { WatchFilters } from "../../src/ui/watch/snapshot.js";
import { WatchApp, type WatchAppProps } from "../../src/ui/watch/WatchApp.js";
import { applyFilters, KEYS, record, selectedRow, snapshotOf, T0, waitFor, waitForFrame } from "./watch-helpers.js";

const BACKEND = { alias: "default", kind: "sqlite", location: "/srv/app/tasks.sqlite3", heartbeatMs: 1000 };
const now = T0.getTime();

let instances: ReturnType<typeof render>[] = [];
afterEach(() => {
  for (const instance of instances) instance.unmount();
  instances = [];
});

const failedCharge = (id: string) =>
  record(id, {
    taskName: "chargeCard",
    status: "FAILED",
    errors: [{ exceptionClass: "RangeError", message: "card declined", traceback: "RangeError: card declined" }],
  });
const DATA: TaskResultData[] = [
  failedCharge("f1"),
  record("ok", { taskName: "report" }),
  failedCharge("f2"),
  record("later", { taskName: "sendEmail", status: "READY", runAfter: new Date(now + 300_000) }),
  record("soon", { taskName: "sendSms", status: "READY", runAfter: new Date(now + 60_000) }),
  record("again", {
    taskName: "chargeCard",
    status: "READY",
    runAfter: new Date(now + 30_000),
    workerIds: ["w1"],
    maxAttempts: 3,
    errors: [{ exceptionClass: "Error", message: "gateway timeout", traceback: "Error: gateway timeout" }],
  }),
];
const GROUP: FailureGroup = {
  id: "g-range",
  exceptionClass: "RangeError",
  frame: "jobs.ts:3 charge",
  taskNames: ["chargeCard"],
  count: 2,
  retrying: 0,
  firstSeen: new Date(now - 60_000),
  lastSeen: new Date(now - 60_000),
  lastMessage: "card declined",
  sampleTraceback: "RangeError: card declined\n    at charge (jobs.ts:3:9)",
  sampleId: "x",
};

/** The app over DATA: a store-like snapshot and tab data, with every action recorded. */
function mount(props: Partial<WatchAppProps> = {}) {
  const paused = new Set<string>();
  const queues = (): QueueCounts[] =>
    ["default", "emails"].map((queueName) => ({
      ...(snapshotOf(DATA).queues.find((q) => q.queueName === queueName) ?? {
        queueName,
        counts: { READY: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 },
        oldestReadyAt: null,
      }),
      paused: paused.has(queueName),
    }));
  const fetchSnapshot = vi.fn(async (f: WatchFilters) => ({ ...snapshotOf(applyFilters(DATA, f)), queues: queues() }));
  const fetchPanel = vi.fn(async (request: PanelRequest): Promise<PanelData> => {
    if (request.tab === "errors") return { tab: "errors", groups: [GROUP], canAct: true };
    if (request.tab === "schedules") return { tab: "schedules", schedules: [] };
    const waiting = DATA.filter(
      (r) =>
        r.status === "READY" &&
        (request.tab === "scheduled" ? r.errors.length === 0 : r.errors.length > 0) &&
        r.taskName.includes(request.taskText),
    );
    return { tab: request.tab, results: waiting, hasMore: false };
  });
  const outcomes = async (ids: string[]): Promise<IdOutcome[]> => ids.map((id) => ({ id, ok: true }));
  const retry = vi.fn(outcomes);
  const cancel = vi.fn(outcomes);
  const groupIds = vi.fn(async (groupId: string, status: "FAILED" | "READY") =>
    groupId === GROUP.id && status === "FAILED" ? [DATA[0]?.id ?? "", DATA[2]?.id ?? ""] : [],
  );
  const pauseQueue = vi.fn(async (queue: string) => void paused.add(queue));
  const resumeQueue = vi.fn(async (queue: string) => void paused.delete(queue));
  const instance = render(
    <WatchApp
      backend={BACKEND}
      intervalMs={60_000}
      taskNames={["chargeCard", "report", "sendEmail", "sendSms"]}
      queueNames={["default", "emails"]}
      fetchSnapshot={fetchSnapshot}
      fetchPanel={fetchPanel}
      retry={retry}
      cancel={cancel}
      groupIds={groupIds}
      pauseQueue={pauseQueue}
      resumeQueue={resumeQueue}
      hasSchedules
      {...props}
    />,
  );
  instances.push(instance);
  const frame = (p: string | ((f: string) => boolean)) => waitForFrame(instance.lastFrame, p);
  const press = (...keys: string[]) => {
    for (const key of keys) instance.stdin.write(key);
  };
  return { ...instance, fetchSnapshot, fetchPanel, retry, cancel, groupIds, pauseQueue, resumeQueue, frame, press };
}

describe("tabs", () => {
  it("shows the tab bar; each tab lists its own data, fetched for that tab only", async () => {
    const app = mount();
    let frame = await app.frame("0000000000f1");
    expect(frame).toContain("[1 Overview]  2 Queues  3 Scheduled  4 Retries  5 Errors  6 Workers  7 Schedules");
    expect(app.fetchPanel).not.toHaveBeenCalled();

    app.press("3");
    frame = await app.frame((f) => f.includes("SCHEDULED deferred, due soonest first") && f.includes("sendSms"));
    expect(app.fetchPanel).toHaveBeenLastCalledWith({ tab: "scheduled", taskText: "" });
    // Soonest due first; the retry-waiting READY task is not deferred work.
    const lines = frame.split("\n");
    const soon = lines.findIndex((l) => /in 1m\s+sendSms/.test(l));
    expect(soon).toBeGreaterThan(0);
    expect(lines[soon + 1]).toMatch(/in 5m\s+sendEmail/);
    expect(frame).not.toContain("gateway timeout");

    app.press(KEYS.right);
    frame = await app.frame("gateway timeout");
    expect(selectedRow(frame)).toMatch(/in 30s\s+chargeCard\s+default\s+1\/3\s+Error: gateway timeout/);

    // Each tab has its own `/` filter: the store filters these by task name.
    app.press("/", "Sms", KEYS.enter);
    frame = await app.frame((f) => f.includes("task:Sms") && f.includes("nothing matches"));
    expect(app.fetchPanel).toHaveBeenLastCalledWith({ tab: "retries", taskText: "Sms" });
    app.press("3");
    frame = await app.frame((f) => f.includes("SCHEDULED") && f.includes("sendEmail"));
    expect(frame).toContain("no filter");
    app.press("/", "Sms", KEYS.enter);
    frame = await app.frame((f) => f.includes("task:Sms") && !f.includes("sendEmail"));
    expect(app.fetchPanel).toHaveBeenLastCalledWith({ tab: "scheduled", taskText: "Sms" });
    app.press("4");
    await app.frame((f) => f.includes("RETRIES") && f.includes("task:Sms"));
    expect(app.fetchSnapshot).toHaveBeenLastCalledWith({ statuses: [], queues: [], taskText: "" });

    app.press("6");
    await app.frame("no live worker: start one with tasks worker");
    app.press("[");
    await app.frame((f) => f.includes("ERRORS") && f.includes("RangeError at jobs.ts:3 charge"));
  });

  it("Errors: a `/` filter keeps each group's number in `tasks errors` (the one --group takes)", async () => {
    const timeout: FailureGroup = { ...GROUP, id: "g-timeout", exceptionClass: "TimeoutError", lastMessage: "slow" };
    const fetchPanel = async (): Promise<PanelData> => ({ tab: "errors", groups: [GROUP, timeout], canAct: true });
    const app = mount({ fetchPanel });
    await app.frame("0000000000f1");
    app.press("5");
    await app.frame("TimeoutError at jobs.ts:3 charge");
    app.press("/", "Timeout", KEYS.enter);
    const frame = await app.frame((f) => f.includes("filter:Timeout") && !f.includes("RangeError"));
    expect(selectedRow(frame)).toMatch(/^›\s+2\s+2\s+0\s+TimeoutError at jobs\.ts:3 charge/);
  });

  it("a backend without the tabs' data says so instead of loading forever", async () => {
    const app = mount({ fetchPanel: undefined, hasSchedules: false });
    await app.frame("0000000000f1");
    expect(app.lastFrame()).not.toContain("Schedules");
    app.press("5");
    await app.frame("not available on this backend");
  });
});

describe("marking and bulk actions", () => {
  it("space marks rows; R asks with the count and retries exactly the marked FAILED ones in one call", async () => {
    const app = mount();
    await app.frame("0000000000f1");
    // Newest first as fetched: f1, ok, f2 …; mark the three.
    app.press(" ", " ", " ");
    let frame = await app.frame("3 marked");
    expect(frame.split("\n").filter((l) => /^[› ]✓/.test(l))).toHaveLength(3);
    app.press("R");
    await app.frame("Retry 2 FAILED tasks (1 other marked task stays as is)? (y/n)");
    app.press("y");
    frame = await app.frame("Retried 2 tasks");
    expect(app.retry).toHaveBeenCalledExactlyOnceWith([DATA[0]?.id, DATA[2]?.id]);
    expect(frame).not.toContain("marked");
  });

  it("R on a Scheduled or Retries row says why there is nothing to retry, not just 'is READY'", async () => {
    const app = mount();
    await app.frame("0000000000f1");
    app.press("3");
    await app.frame((f) => f.includes("SCHEDULED deferred") && /^› .*sendSms/m.test(f));
    app.press("R");
    await app.frame("Nothing to retry: sendSms has not failed; it is scheduled to run when due (C cancels it)");
    app.press("4");
    await app.frame((f) => f.includes("RETRIES failed") && /^› .*chargeCard/m.test(f));
    app.press("R");
    await app.frame("Nothing to retry: chargeCard failed and will run again when due (C cancels it)");
    // Marked, the same.
    app.press(" ", "R");
    await app.frame("Nothing to retry: chargeCard failed and will run again when due (C cancels it)");
    expect(app.retry).not.toHaveBeenCalled();
  });

  it("Errors: R on a group retries every FAILED task of it, after saying how many", async () => {
    const app = mount();
    await app.frame("0000000000f1");
    app.press("5");
    await app.frame("RangeError at jobs.ts:3 charge");
    app.press(KEYS.enter);
    let frame = await app.frame("failure group · lines 1-");
    expect(frame).toContain("at charge (jobs.ts:3:9)");
    app.press("R");
    await app.frame("Retry 2 FAILED tasks of failure group RangeError at jobs.ts:3 charge? (y/n)");
    app.press("y");
    frame = await app.frame("Retried 2 tasks of 1 failure group");
    expect(app.groupIds).toHaveBeenCalledExactlyOnceWith(GROUP.id, "FAILED");
    expect(app.retry).toHaveBeenCalledExactlyOnceWith([DATA[0]?.id, DATA[2]?.id]);
  });
});

describe("queues", () => {
  it("P pauses the selected queue after y; the refresh shows it paused; P again resumes it", async () => {
    const app = mount();
    await app.frame("0000000000f1");
    app.press("2");
    await app.frame("QUEUES");
    app.press("j", "P");
    await app.frame("Pause queue emails? Workers start none of its tasks until resumed; running ones finish. (y/n)");
    app.press("n");
    await app.frame("emails not paused");
    expect(app.pauseQueue).not.toHaveBeenCalled();
    app.press("P", "y");
    let frame = await app.frame((f) => /›\s+emails\s+paused/.test(f));
    expect(app.pauseQueue).toHaveBeenCalledExactlyOnceWith("emails");
    expect(frame).toContain("Paused emails: workers start none of its tasks until resumed (P)");
    app.press("P", "y");
    frame = await app.frame((f) => /›\s+emails\s+active/.test(f));
    expect(app.resumeQueue).toHaveBeenCalledExactlyOnceWith("emails");
    // Enter on a queue shows its results on the overview.
    app.press(KEYS.enter);
    frame = await app.frame("queue:emails");
    expect(frame).toContain("RESULTS");
  });
});

describe("help and chunked keys", () => {
  it("? lists every key; q closes it without quitting", async () => {
    const app = mount();
    await app.frame("0000000000f1");
    app.press("?");
    let frame = await app.frame("KEYS · lines 1-");
    expect(frame).toContain("switch tab: 1 Overview, 2 Queues");
    expect(frame).not.toContain("1 Overview  2 Queues");
    app.press("G");
    frame = await app.frame("Every action asks y/n first");
    expect(frame).toContain("pause the selected queue");
    app.press("q");
    await app.frame("0000000000f1");
  });

  it("j j Enter arriving in one chunk opens the third row", async () => {
    const app = mount();
    await app.frame("0000000000f1");
    app.press("jj\r");
    const frame = await app.frame("errors (1)");
    expect(frame).toMatch(/chargeCard FAILED \S+ · lines 1-/);
    expect(frame).toContain(DATA[2]?.id);
    app.press("\u001b");
    await waitFor(
      () => selectedRow(app.lastFrame() ?? ""),
      (row) => row.includes(DATA[2]?.id.slice(-12) ?? "?"),
    );
  });
});

describe("refresh pacing", () => {
  it("after a slow fetch, waits at least twice its time before the next, so keys get handled", async () => {
    const calls: { start: number; end: number }[] = [];
    const fetchSnapshot = vi.fn(async (f: WatchFilters) => {
      const start = Date.now();
      // Blocks the event loop, as a synchronous SQLite query on a huge store does.
      while (Date.now() - start < 60) {}
      calls.push({ start, end: Date.now() });
      return snapshotOf(applyFilters(DATA, f));
    });
    const app = mount({ fetchSnapshot, intervalMs: 10 });
    await waitFor(
      () => calls.length,
      (n) => n >= 3,
      10_000,
    );
    app.unmount();
    for (let i = 1; i < calls.length; i++) {
      const prev = calls[i - 1];
      const next = calls[i];
      if (!prev || !next) continue;
      // Timers may fire a millisecond early; never anywhere near the 10 ms interval.
      expect(next.start - prev.end).toBeGreaterThanOrEqual(2 * (prev.end - prev.start) - 5);
    }
  });
});
