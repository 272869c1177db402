import { describe, expect, it } from "vitest";
import type { WorkerInfo } from "../../src/contract/management.js";
import { ago } from "../../src/ui/text/format.js";
import { detailLines } from "../../src/ui/watch/detail.js";
import { cell, sparkline, wrapLine } from "../../src/ui/watch/format.js";
import { renderPlainSnapshot, snapshotToJson } from "../../src/ui/watch/plain.js";
import { matchTaskNames, NO_FILTERS, shownWorkers, workerHealth } from "../../src/ui/watch/snapshot.js";
import { record, snapshotOf, T0 } from "./watch-helpers.js";

const BACKEND = { alias: "default", kind: "sqlite", location: "/srv/tasks.sqlite3", heartbeatMs: 1000 };

const worker = (id: string, agoMs: number, state: WorkerInfo["state"] = "running"): WorkerInfo => ({
  id,
  hostname: "web",
  pid: 7,
  queues: "*",
  startedAt: new Date(T0.getTime() - 3_600_000),
  lastHeartbeatAt: new Date(T0.getTime() - agoMs),
  state,
});

describe("helpers", () => {
  it("matchTaskNames: registered names containing the text, plus the text itself", () => {
    const names = ["sendEmail", "sendSms", "report"];
    expect(matchTaskNames("", names)).toBeUndefined();
    expect(matchTaskNames("  ", names)).toBeUndefined();
    expect(matchTaskNames("SEND", names)).toEqual(["sendEmail", "sendSms", "SEND"]);
    expect(matchTaskNames("report", names)).toEqual(["report"]);
    expect(matchTaskNames("legacyTask", names)).toEqual(["legacyTask"]);
  });

  it("workers: stale after 3 heartbeats of silence; dead ones shown for an hour; stopped ones hidden", () => {
    const now = T0.getTime();
    expect(workerHealth(worker("a", 2_900), 1000, now)).toBe("live");
    expect(workerHealth(worker("a", 3_100), 1000, now)).toBe("stale");
    expect(workerHealth(worker("a", 100, "dead"), 1000, now)).toBe("dead");
    const shown = shownWorkers(
      [
        worker("dead-old", 7_200_000, "dead"),
        worker("stale", 10_000),
        worker("dead", 60_000, "dead"),
        worker("gone", 0, "stopped"),
        worker("live", 0),
      ],
      1000,
      now,
    );
    expect(shown.map((w) => `${w.worker.id}:${w.health}`)).toEqual(["live:live", "stale:stale", "dead:dead"]);
  });

  it("due times: to the nearest minute in two units; past times as before", () => {
    const now = T0.getTime();
    const at = (ms: number) => ago(new Date(now + ms), now);
    expect([at(90 * 60_000), at(3_599_000), at(300_000), at(45_000), at(-120_000), at(-500)]).toEqual([
      "in 1h 30m",
      "in 1h",
      "in 5m",
      "in 45s",
      "2m ago",
      "just now",
    ]);
  });

  it("sparkline, cells and wrapping", () => {
    expect(sparkline([0, 1, 2, 4, 8])).toBe("▁▂▃▅█");
    expect(sparkline([0, 0])).toBe("▁▁");
    expect(cell("abc", 6)).toBe("abc   ");
    expect(cell("abcdefgh", 6)).toBe("abcd… ");
    expect(cell("42", 5, "right")).toBe("  42 ");
    expect(wrapLine("abcdefg", 4)).toEqual(["abcd", "  ef", "  g"]);
    expect(wrapLine("  at f (file:///x.js:1:1)", 12)).toEqual(["  at f (file", "    :///x.js", "    :1:1)"]);
  });

  it("cells and wrapped lines: one line each, in terminal columns (CJK two), control characters escaped", () => {
    // A newline or an escape sequence from the store would break a row or colour what follows.
    expect(cell("line one\nline two", 14)).toBe("line one\\nli… ");
    expect(cell("\u001b[31mRED", 12)).toBe("\\u001b[31m… ");
    // Two columns a character: "エラー" takes 6, and is cut between characters, never inside one.
    expect(cell("エラー", 8)).toBe("エラー  ");
    expect(cell("エラーエラー", 8)).toBe("エラー… ");
    expect(cell("日本語", 5, "right")).toBe(" 日… "); // 5 columns: a space, 日 (2), … and the gap
    expect(cell("🚀rocket", 6)).toBe("🚀ro… ");
    expect(wrapLine("エラーエラー", 5)).toEqual(["エラ", "  ー", "  エ", "  ラ", "  ー"]);
    expect(wrapLine("a\u001b[2Jb", 40)).toEqual(["a\\u001b[2Jb"]);
  });

  it("detailLines: an error message's own lines are lines of the view", () => {
    const r = record("x", {
      status: "FAILED",
      errors: [
        {
          exceptionClass: "Error",
          message: "line one\r\nline two",
          traceback: "Error: line one\r\nline two\n    at a (x.js:1:1)",
        },
      ],
    });
    const text = detailLines(r, 80, T0.getTime()).map((l) => l.text);
    const at = text.indexOf("  #1 Error: line one");
    expect(text.slice(at, at + 5)).toEqual([
      "  #1 Error: line one",
      "     line two",
      "     Error: line one",
      "     line two",
      "         at a (x.js:1:1)",
    ]);
  });

  it("detailLines: fields, args, return value, every error with its full traceback", () => {
    const r = record("x", {
      status: "FAILED",
      args: [{ to: "ada" }],
      errors: [
        { exceptionClass: "TypeError", message: "first", traceback: "TypeError: first\n    at a (x.js:1:1)" },
        { exceptionClass: "RangeError", message: "second", traceback: "RangeError: second\n    at b (x.js:2:2)" },
      ],
    });
    const text = detailLines(r, 200, T0.getTime())
      .map((l) => l.text)
      .join("\n");
    expect(text).toContain(`id         ${r.id}`);
    expect(text).toContain('"to": "ada"');
    expect(text).toContain("errors (2)");
    expect(text).toContain("#1 TypeError: first");
    expect(text).toContain("at a (x.js:1:1)");
    expect(text).toContain("#2 RangeError: second");
    expect(text).not.toContain("return value");
    const narrow = detailLines(r, 20, T0.getTime());
    expect(narrow.every((l) => l.text.length <= 20)).toBe(true);
  });

  it("detailLines: a huge argument is cut at 10,000 characters, saying how many more and how to get them", () => {
    const r = record("x", { status: "READY", args: ["x".repeat(30_000)] });
    const lines = detailLines(r, 100, T0.getTime());
    const note = lines.find((l) => l.text.includes("more characters"));
    expect(note).toMatchObject({
      text: `  … 20,008 more characters: tasks show ${r.id} --json prints it all`,
      dim: true,
    });
    // 10,000 characters of JSON wrapped at 100 columns, not 30,000.
    expect(lines.filter((l) => l.text.includes("xxxx")).length).toBeLessThan(110);
  });
});

describe("plain and JSON snapshots", () => {
  const results = [
    record("1", { taskName: "sendEmail", queueName: "emails", status: "READY" }),
    record("2", { taskName: "report", status: "FAILED" }),
  ];
  const snap = {
    ...snapshotOf(results, { workers: [worker("web-1", 0), worker("old", 9_000)], throughput: [0, 2, 4] }),
    queues: [
      {
        queueName: "emails",
        counts: { READY: 1, RUNNING: 0, SUCCEEDED: 5, FAILED: 0, CANCELLED: 0 },
        oldestReadyAt: new Date(T0.getTime() - 120_000),
      },
    ],
  };

  it("prints counts, throughput, workers, queues and recent results", () => {
    const text = renderPlainSnapshot(snap, BACKEND, { ...NO_FILTERS, statuses: ["READY", "FAILED"] });
    expect(text).toContain("tasklane · sqlite default · /srv/tasks.sqlite3 · 2026-11-29T12:00:00.000Z");
    expect(text).toMatch(/Counts\s+READY 1\s+RUNNING 0\s+SUCCEEDED 0\s+FAILED 1\s+CANCELLED 0/);
    expect(text).toContain("Throughput  ▁▅█  6 finished in the last 3 min (4 in the last minute)");
    expect(text).toContain("Workers     1 live, 1 not responding");
    expect(text).toMatch(/old\s+STALE\s+9s ago/);
    expect(text).toMatch(/emails\s+1\s+0\s+0\s+5\s+2m ago/);
    expect(text).toContain("newest first · status:READY,FAILED");
    expect(text).toMatch(/000000000002\s+report\s+FAILED\s+default\s+1m ago\s+1s\s+1\/1/);
    // No ANSI codes when stdout is not a terminal.
    expect(text).not.toContain("\u001b[");
  });

  it("an empty results list says whether a filter emptied it or nothing was enqueued yet", () => {
    const empty = { ...snapshotOf([]), queues: [] };
    expect(renderPlainSnapshot(empty, BACKEND, NO_FILTERS)).toContain(
      "no results yet: enqueue one with `tasks enqueue TASK`",
    );
    const filtered = renderPlainSnapshot(empty, BACKEND, { ...NO_FILTERS, queues: ["emails"] });
    expect(filtered).toContain("no results match");
    expect(filtered).not.toContain("no results yet");
  });

  it("JSON: ISO dates, TaskResult shape, stale workers flagged", () => {
    const json = JSON.parse(JSON.stringify(snapshotToJson(snap, BACKEND, NO_FILTERS)));
    expect(json).toMatchObject({
      backend: { alias: "default", kind: "sqlite", location: "/srv/tasks.sqlite3" },
      takenAt: "2026-11-29T12:00:00.000Z",
      filters: { statuses: [], queues: [], task: null },
      counts: { READY: 1, FAILED: 1 },
      queues: [{ queueName: "emails", oldestReadyAt: "2026-11-29T11:58:00.000Z" }],
      throughput: { minutes: 3, perMinute: [0, 2, 4] },
      hasMore: false,
    });
    expect(json.workers.map((w: { id: string; stale: boolean }) => [w.id, w.stale])).toEqual([
      ["web-1", false],
      ["old", true],
    ]);
    expect(json.workers[0].lastHeartbeatAt).toBe("2026-11-29T12:00:00.000Z");
    expect(json.results[1]).toMatchObject({ taskName: "report", status: "FAILED", attempts: 1, errors: [] });
    expect(json.results[1].enqueuedAt).toBe("2026-11-29T11:59:00.000Z");
  });
});
