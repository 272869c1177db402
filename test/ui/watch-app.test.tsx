import { render } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { IdOutcome } from "../../src/contract/management.js";
import type { TaskResultData } from "../../src/core/result.js";
import type { WatchFilters, WatchSnapshot } from "../../src/ui/watch/snapshot.js";
import { WatchApp, type WatchAppProps } from "../../src/ui/watch/WatchApp.js";
import { applyFilters, KEYS, record, selectedRow, snapshotOf, T0, waitFor, waitForFrame } from "./watch-helpers.js";

const BACKEND = { alias: "default", kind: "sqlite", location: "/srv/app/tasks.sqlite3", heartbeatMs: 1000 };

let instances: ReturnType<typeof render>[] = [];
afterEach(() => {
  for (const instance of instances) instance.unmount();
  instances = [];
  vi.useRealTimers();
});

/** Renders the app on a fake data set; fetchSnapshot applies the filters like a store would. */
function mount(data: TaskResultData[], props: Partial<WatchAppProps> = {}) {
  const fetchSnapshot = vi.fn(
    props.fetchSnapshot ?? (async (filters: WatchFilters) => snapshotOf(applyFilters(data, filters))),
  );
  const retry = vi.fn(
    props.retry ??
      (async (ids: string[]): Promise<IdOutcome[]> => ids.map((id) => ({ id, ok: true, status: "FAILED" }))),
  );
  const cancel = vi.fn(
    props.cancel ??
      (async (ids: string[]): Promise<IdOutcome[]> => ids.map((id) => ({ id, ok: true, status: "READY" }))),
  );
  const instance = render(
    <WatchApp
      backend={BACKEND}
      intervalMs={60_000}
      taskNames={["sendEmail", "sendSms", "report"]}
      queueNames={["default", "emails"]}
      {...props}
      fetchSnapshot={fetchSnapshot}
      retry={retry}
      cancel={cancel}
    />,
  );
  instances.push(instance);
  const frame = (p: string | ((f: string) => boolean)) => waitForFrame(instance.lastFrame, p);
  const press = (...keys: string[]) => {
    for (const key of keys) instance.stdin.write(key);
  };
  return { ...instance, fetchSnapshot, retry, cancel, frame, press };
}

const jobs = (n: number) => Array.from({ length: n }, (_, i) => record(String(i), { taskName: `job-${i}` }));
const lastFilters = (fetch: { mock: { calls: [WatchFilters][] } }) => fetch.mock.calls.at(-1)?.[0];

describe("WatchApp layout", () => {
  it("shows the backend, counts, throughput, workers, queues, results and the keys", async () => {
    const data = [
      record("1", { taskName: "sendEmail", queueName: "emails", status: "READY" }),
      record("2", { taskName: "report", status: "FAILED" }),
      record("3", { taskName: "report", status: "RUNNING" }),
    ];
    const workers = [
      {
        id: "web-1",
        hostname: "web",
        pid: 1,
        queues: "*",
        startedAt: T0,
        lastHeartbeatAt: new Date(T0.getTime() - 500),
        state: "running" as const,
      },
      {
        id: "web-2",
        hostname: "web",
        pid: 2,
        queues: "*",
        startedAt: T0,
        lastHeartbeatAt: new Date(T0.getTime() - 10_000),
        state: "running" as const,
      },
      {
        id: "gone",
        hostname: "web",
        pid: 3,
        queues: "*",
        startedAt: T0,
        lastHeartbeatAt: T0,
        state: "stopped" as const,
      },
    ];
    const app = mount(data, {
      fetchSnapshot: vi.fn(async (f: WatchFilters) => ({ ...snapshotOf(applyFilters(data, f)), workers })),
    });
    const frame = await app.frame("web-1");
    expect(frame).toContain("sqlite default · /srv/app/tasks.sqlite3");
    expect(frame).toMatch(/READY 1\s+RUNNING 1\s+SUCCEEDED 0\s+FAILED 1\s+CANCELLED 0/);
    expect(frame).toMatch(/throughput [▁▂▃▄▅▆▇█]{30} 30m/);
    // web-2 has not heartbeated for 10 s (> 3 × 1000 ms): stale; the stopped worker is not shown.
    expect(frame).toMatch(/workers 1 live: web-1 ♥ just now · web-2 STALE ♥ 10s ago/);
    expect(frame).not.toContain("gone");
    expect(frame).toMatch(/QUEUE\s+READY\s+RUNNING\s+FAILED\s+SUCCEEDED\s+OLDEST DUE/);
    expect(frame).toMatch(/emails\s+1\s+0\s+0\s+0/);
    expect(selectedRow(frame)).toMatch(/READY\s+sendEmail\s+emails\s+1m ago\s+-\s+0\/1/);
    expect(frame).toMatch(/FAILED\s+report\s+default\s+1m ago\s+1s\s+1\/1/);
    expect(frame).toContain("q quit");
    expect(app.fetchSnapshot).toHaveBeenCalledWith({ statuses: [], queues: [], taskText: "" });
  });

  it("DURATION of a task cancelled while waiting for its retry is '-', not the wait", async () => {
    const cancelled = record("c", {
      taskName: "report",
      status: "CANCELLED",
      workerIds: ["w1"],
      maxAttempts: 3,
      lastAttemptedAt: new Date(T0.getTime() - 50_000),
      finishedAt: new Date(T0.getTime() - 10_000),
    });
    const app = mount([cancelled]);
    const frame = await app.frame((f) => /CANCELLED\s+report/.test(f));
    expect(frame).toMatch(/CANCELLED\s+report\s+default\s+1m ago\s+-\s+1\/3/);
  });

  it("at 60 columns a paused queue shows its oldest due time and 'paused' in full (SUCCEEDED gives way)", async () => {
    const data = [record("1", { taskName: "sendEmail", queueName: "emails", status: "READY" })];
    const zero = { READY: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0 };
    const minuteAgo = new Date(T0.getTime() - 60_000);
    const queues = [
      { queueName: "default", counts: zero, oldestReadyAt: null, oldestDueAt: null, paused: false },
      {
        queueName: "emails",
        counts: { ...zero, READY: 1 },
        oldestReadyAt: minuteAgo,
        oldestDueAt: minuteAgo,
        paused: true,
      },
    ];
    const app = mount(data, {
      fetchSnapshot: vi.fn(async (f: WatchFilters) => ({ ...snapshotOf(applyFilters(data, f)), queues })),
    });
    let frame = await app.frame((f) => /emails\s+1\s+0\s+0\s+0\s+1m ago\s+paused/.test(f));
    expect(frame).toMatch(/QUEUE\s+READY\s+RUNNING\s+FAILED\s+SUCCEEDED\s+OLDEST DUE/);
    Object.defineProperty(app.stdout, "columns", { value: 60, configurable: true });
    app.stdout.emit("resize");
    frame = await app.frame((f) => /emails\s+1\s+0\s+0\s+1m ago\s+paused/.test(f));
    expect(frame).toMatch(/QUEUE\s+READY\s+RUNNING\s+FAILED\s+OLDEST DUE/);
    expect(frame.split("\n").every((line) => line.length <= 60)).toBe(true);
  });

  it("at 60 columns the results' QUEUE column borrows what TASK's names leave, so 'default' is not cut", async () => {
    const data = [
      record("1", { taskName: "sendEmail", queueName: "emails", status: "READY" }),
      record("2", { taskName: "report", queueName: "default", status: "FAILED" }),
    ];
    const app = mount(data);
    await app.frame("report");
    Object.defineProperty(app.stdout, "columns", { value: 60, configurable: true });
    app.stdout.emit("resize");
    const frame = await app.frame((f) => f.split("\n").every((line) => line.length <= 60) && f.includes("FAILED"));
    expect(frame).toMatch(/FAILED\s+report\s+default 1m ago/);
    expect(frame).toMatch(/READY\s+sendEmail\s+emails\s+1m ago/);
    const rows = frame.split("\n").filter((line) => /READY|FAILED/.test(line) && line.includes("1m ago"));
    expect(rows).toHaveLength(2);
    expect(rows.join("\n")).not.toContain("…");
  });

  it("never renders more than rows − 1 lines and follows a resize", async () => {
    const app = mount(jobs(100));
    let frame = await app.frame("job-0");
    expect(frame.split("\n").length).toBeLessThanOrEqual(23); // ink-testing-library has no rows: 24 assumed
    Object.defineProperty(app.stdout, "rows", { value: 12, configurable: true });
    Object.defineProperty(app.stdout, "columns", { value: 60, configurable: true });
    app.stdout.emit("resize");
    frame = await app.frame((f) => f.split("\n").length <= 11 && !f.includes("job-5"));
    expect(frame.split("\n").every((line) => line.length <= 60)).toBe(true);
    Object.defineProperty(app.stdout, "rows", { value: 40, configurable: true });
    app.stdout.emit("resize");
    frame = await app.frame("job-25");
    expect(frame.split("\n").length).toBeLessThanOrEqual(39);
  });
});

describe("WatchApp navigation", () => {
  it("moves with ↓/↑ and j/k, pages with PgDn/PgUp, jumps with g/G", async () => {
    const app = mount(jobs(50));
    await app.frame((f) => selectedRow(f).includes("job-0 "));
    app.press(KEYS.down, KEYS.down, "j");
    await app.frame((f) => selectedRow(f).includes("job-3 "));
    app.press(KEYS.up, "k");
    await app.frame((f) => selectedRow(f).includes("job-1 "));
    // 24 rows, one queue: 13 result rows per page (under the header and the tab bar).
    app.press(KEYS.pageDown);
    let frame = await app.frame((f) => selectedRow(f).includes("job-14 "));
    expect(frame).toContain("14-26 of 50");
    app.press(KEYS.pageUp);
    frame = await app.frame((f) => selectedRow(f).includes("job-1 "));
    expect(frame).toContain("1-13 of 50");
    app.press("G");
    frame = await app.frame((f) => selectedRow(f).includes("job-49 "));
    expect(frame).toContain("38-50 of 50");
    app.press("g");
    await app.frame((f) => selectedRow(f).includes("job-0 ") && f.includes("1-13 of 50"));
  });

  it("keeps the selected result selected when newer results arrive", async () => {
    let data = jobs(5);
    const app = mount([], {
      intervalMs: 20,
      fetchSnapshot: vi.fn(async (f: WatchFilters) => snapshotOf(applyFilters(data, f))),
    });
    await app.frame("job-4");
    app.press("j", "j");
    await app.frame((f) => selectedRow(f).includes("job-2 "));
    data = [record("new", { taskName: "job-new" }), ...data];
    const frame = await app.frame("job-new");
    expect(selectedRow(frame)).toContain("job-2 ");
    expect(app.frames.some((f) => f.includes("job-new") && !selectedRow(f).includes("job-2 "))).toBe(false);
  });
});

describe("WatchApp detail view", () => {
  const traceback = [
    "RangeError: amount too large",
    ...Array.from({ length: 40 }, (_, i) => `    at frame${i} (file:///app/x.js:${i}:1)`),
  ].join("\n");
  const failed = record("f1", {
    taskName: "chargeCard",
    status: "FAILED",
    args: ["acme", 25_000],
    errors: [{ exceptionClass: "RangeError", message: "amount too large", traceback }],
  });
  const ok = record("ok", { taskName: "report", status: "SUCCEEDED", returnValue: { rows: 12 } });

  it("Enter opens args and each traceback, scrolls, and Esc or ← goes back", async () => {
    const app = mount([failed, ok]);
    await app.frame("chargeCard");
    app.press(KEYS.enter);
    let frame = await app.frame("errors (1)");
    expect(frame).toMatch(/chargeCard FAILED \S+ · lines 1-\d+ of \d+/);
    expect(frame).toContain('"acme"');
    expect(frame).toContain("25000");
    expect(frame).not.toContain("frame39");
    app.press("j", KEYS.down);
    frame = await app.frame("lines 3-");
    app.press("g", KEYS.pageDown);
    // 24 rows: 17 lines per page; the error heading is line 18.
    frame = await app.frame("lines 18-34 of 59");
    expect(frame).toContain("#1 RangeError: amount too large");
    expect(frame).toContain("RangeError: amount too large\n");
    app.press("G");
    frame = await app.frame("frame39 ");
    expect(frame).not.toContain("task       chargeCard");
    app.press("g");
    await app.frame("task       chargeCard");
    app.press(KEYS.esc);
    frame = await app.frame("RESULTS");
    expect(selectedRow(frame)).toContain("chargeCard");
    app.press("j", KEYS.enter);
    await app.frame("return value");
    app.press("G");
    await app.frame('"rows": 12');
    app.press(KEYS.left);
    await app.frame("RESULTS");
  });
});

describe("WatchApp filters", () => {
  const data = [
    record("1", { taskName: "sendEmail", queueName: "emails", status: "SUCCEEDED" }),
    record("2", { taskName: "sendSms", queueName: "default", status: "FAILED" }),
    record("3", { taskName: "report", queueName: "default", status: "READY" }),
  ];

  it("/ filters by task name: typing shows matches, Enter applies, Esc cancels", async () => {
    const app = mount(data);
    await app.frame("report");
    app.press("/", "s", "e", "n", "x", KEYS.backspace, "d");
    let frame = await app.frame("/task send");
    expect(frame).toContain("matches sendEmail, sendSms");
    app.press(KEYS.enter);
    frame = await app.frame((f) => f.includes("task:send") && !f.includes("report "));
    expect(lastFilters(app.fetchSnapshot)).toEqual({ statuses: [], queues: [], taskText: "send" });
    expect(frame).toContain("sendSms");
    const calls = app.fetchSnapshot.mock.calls.length;
    app.press("/", "x", KEYS.esc);
    frame = await app.frame((f) => f.includes("q quit"));
    expect(frame).toContain("task:send");
    expect(app.fetchSnapshot.mock.calls.length).toBe(calls);
  });

  it("s cycles the status filter and Tab the queue filter", async () => {
    const app = mount(data);
    await app.frame("report");
    const seen: string[][] = [];
    for (let i = 0; i < 6; i++) {
      app.press("s");
      await waitFor(
        () => app.fetchSnapshot.mock.calls.length,
        (n) => n >= i + 2,
      );
      seen.push(lastFilters(app.fetchSnapshot)?.statuses ?? []);
    }
    expect(seen).toEqual([["READY"], ["RUNNING"], ["SUCCEEDED"], ["FAILED"], ["CANCELLED"], []]);
    app.press(KEYS.tab);
    await app.frame((f) => f.includes("queue:default") && !f.includes("sendEmail") && f.includes("sendSms"));
    app.press(KEYS.tab);
    await app.frame((f) => f.includes("queue:emails") && f.includes("sendEmail") && !f.includes("sendSms"));
    expect(lastFilters(app.fetchSnapshot)).toEqual({ statuses: [], queues: ["emails"], taskText: "" });
    app.press(KEYS.tab);
    await app.frame((f) => f.includes("no filter") && f.includes("sendSms") && f.includes("sendEmail"));
  });

  it("an empty list says the snapshot's filter hint (an unknown --queue) on one line, only while it applies", async () => {
    const hint = 'no queue "emials" in backend "default" (did you mean "emails"?)';
    const app = mount(data, {
      initialFilters: { statuses: [], queues: ["emials"], taskText: "" },
      fetchSnapshot: async (filters) => ({
        ...snapshotOf(applyFilters(data, filters)),
        filterHint: filters.queues.includes("emials") ? hint : undefined,
      }),
    });
    const frame = await app.frame(`no results match: ${hint}`);
    expect(frame.split("\n").filter((l) => l.includes("no results match"))).toHaveLength(1);
    app.press(KEYS.tab); // the next queue: a known one, no hint
    await app.frame((f) => f.includes("queue:default") && f.includes("sendSms") && !f.includes("emials"));
  });
});

describe("WatchApp retry and cancel", () => {
  const data = [
    record("f", { taskName: "chargeCard", status: "FAILED" }),
    record("r", { taskName: "sendEmail", status: "READY" }),
  ];

  it("R asks y/n; y retries the selected FAILED task and shows the outcome", async () => {
    const app = mount(data);
    await app.frame("chargeCard");
    const fetches = app.fetchSnapshot.mock.calls.length;
    app.press("R");
    await app.frame(`Retry chargeCard ${data[0]?.id}? (y/n)`);
    app.press("y");
    await app.frame("Retried chargeCard");
    expect(app.retry).toHaveBeenCalledExactlyOnceWith([data[0]?.id]);
    await waitFor(
      () => app.fetchSnapshot.mock.calls.length,
      (n) => n > fetches,
    );
  });

  it("any key but y answers no", async () => {
    const app = mount(data);
    await app.frame("chargeCard");
    app.press("R");
    await app.frame("(y/n)");
    app.press("n");
    await app.frame("Not retried");
    app.press("j", "C");
    await app.frame(`Cancel sendEmail ${data[1]?.id}? (y/n)`);
    app.press("x");
    await app.frame("Not cancelled");
    expect(app.retry).not.toHaveBeenCalled();
    expect(app.cancel).not.toHaveBeenCalled();
  });

  it("C cancels the selected READY task; both refuse the wrong status", async () => {
    const app = mount(data);
    await app.frame("chargeCard");
    app.press("C");
    await app.frame("Only READY tasks can be cancelled; chargeCard is FAILED");
    app.press("j", "R");
    await app.frame("Only FAILED tasks can be retried; sendEmail is READY");
    app.press("C");
    await app.frame("(y/n)");
    app.press("y");
    await app.frame("Cancelled sendEmail");
    expect(app.cancel).toHaveBeenCalledExactlyOnceWith([data[1]?.id]);
  });

  it("shows a refused or failing action instead of crashing", async () => {
    const app = mount(data, {
      retry: vi.fn(async (ids: string[]) => ids.map((id) => ({ id, ok: false, reason: "it is RUNNING now" }))),
    });
    await app.frame("chargeCard");
    app.press("R", "y");
    await app.frame("Could not retry chargeCard");
    expect(app.lastFrame()).toContain("it is RUNNING now");
  });

  it("R works from the detail view too", async () => {
    const app = mount(data);
    await app.frame("chargeCard");
    app.press(KEYS.enter);
    await app.frame("errors (0)");
    app.press("R");
    await app.frame("(y/n)");
    expect(app.lastFrame()).toContain("errors (0)");
    app.press("y");
    await app.frame("Retried chargeCard");
    expect(app.retry).toHaveBeenCalledOnce();
  });
});

describe("WatchApp refreshing", () => {
  it("p pauses refreshing (shown in the header) and resumes at once", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const app = mount(jobs(3), { intervalMs: 1000 });
    await app.frame("job-0");
    await vi.advanceTimersByTimeAsync(1000);
    await waitFor(
      () => app.fetchSnapshot.mock.calls.length,
      (n) => n === 2,
    );
    app.press("p");
    // The data's time stays beside PAUSED: it is what tells how old the frozen data is.
    await app.frame((f) => /PAUSED\s+updated \d\d:\d\d:\d\d/.test(f));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(app.fetchSnapshot).toHaveBeenCalledTimes(2);
    app.press("p");
    await app.frame((f) => !f.includes("PAUSED"));
    await waitFor(
      () => app.fetchSnapshot.mock.calls.length,
      (n) => n === 3,
    );
  });

  it("never overlaps two fetches; a filter change fetches right after the one in flight", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const pending: (() => void)[] = [];
    const data = [record("a", { taskName: "alpha" }), record("b", { taskName: "beta", status: "FAILED" })];
    const fetchSnapshot = vi.fn(async (f: WatchFilters): Promise<WatchSnapshot> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => pending.push(resolve));
      inFlight--;
      return snapshotOf(applyFilters(data, f));
    });
    const app = mount([], { fetchSnapshot, intervalMs: 10 });
    await waitFor(
      () => pending.length,
      (n) => n === 1,
    );
    // Filter changes while the first fetch is in flight: no second fetch until it ends.
    app.press("s", "s", "s", "s");
    expect(fetchSnapshot).toHaveBeenCalledTimes(1);
    pending.shift()?.();
    await waitFor(
      () => pending.length,
      (n) => n === 1,
    );
    expect(fetchSnapshot).toHaveBeenCalledTimes(2);
    expect(fetchSnapshot.mock.calls[1]?.[0].statuses).toEqual(["FAILED"]);
    pending.shift()?.();
    await app.frame((f) => f.includes("beta") && !f.includes("alpha"));
    for (let i = 0; i < 3; i++) {
      await waitFor(
        () => pending.length,
        (n) => n === 1,
      );
      pending.shift()?.();
    }
    expect(maxInFlight).toBe(1);
  });

  it("shows the last error in the header and keeps the last data", async () => {
    let fail = false;
    const data = jobs(2);
    const app = mount([], {
      intervalMs: 20,
      fetchSnapshot: vi.fn(async (f: WatchFilters) => {
        if (fail) throw new Error("SQLITE_BUSY: database is locked");
        return snapshotOf(applyFilters(data, f));
      }),
    });
    await app.frame("job-1");
    fail = true;
    let frame = await app.frame("refresh failed: SQLITE_BUSY: database is locked");
    expect(frame).toContain("job-1");
    fail = false;
    frame = await app.frame((f) => !f.includes("refresh failed"));
    expect(frame).toContain("/srv/app/tasks.sqlite3");
  });
});
