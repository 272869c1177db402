// (f) Pages written per task: what a commit costs SQLite is the pages it appends to the WAL,
// so this is the write path's size, free of the machine's noise. Counted as WAL frames
// (auto-checkpoint off) through the store itself, on a file already holding 20,000 rows.
import { statSync } from "node:fs";
import { join } from "node:path";
import type * as StoreModule from "../src/backends/sqlite/store.js";
import type * as RecordsModule from "../src/contract/records.js";
import type { AttemptOutcome } from "../src/contract/worker-store.js";
import type { Section } from "./report.js";
import { scratch } from "./setup.js";

const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;

export interface PageFigures {
  singleEnqueue: number;
  claimComplete1: number;
  claimComplete50: number;
}

export async function pagesPerTask(count = 2000): Promise<PageFigures> {
  const { SqliteStore } = (await import(dist("backends/sqlite/store.js"))) as typeof StoreModule;
  const { readyRecord } = (await import(dist("contract/records.js"))) as typeof RecordsModule;
  const path = join(scratch("pages"), "tasks.sqlite3");
  const store = new SqliteStore({ path, alias: "default" });
  try {
    store.db.pragma("wal_autocheckpoint = 0");
    const pageSize = store.db.pragma("page_size", { simple: true }) as number;
    const frames = () => (statSync(`${path}-wal`).size - 32) / (pageSize + 24);
    const reset = () => store.db.pragma("wal_checkpoint(TRUNCATE)");
    const record = (i: number) =>
      readyRecord(
        "default",
        { taskName: "noop", args: [i], queueName: "default", priority: 0, runAfter: null, maxAttempts: 1 },
        new Date(),
      );
    store.insert(Array.from({ length: 20_000 }, (_, i) => record(i)));

    reset();
    let before = frames();
    for (let i = 0; i < count; i++) store.insert([record(i)]);
    const singleEnqueue = (frames() - before) / count;

    const drain = (slots: number) => {
      reset();
      before = frames();
      let done: AttemptOutcome[] = [];
      for (let n = 0; n < count; n += slots) {
        const { claimed } = store.claimAndComplete("w", { include: "*", exclude: [] }, slots, Date.now(), done);
        done = claimed.map((r) => ({
          id: r.id,
          workerId: "w",
          attempt: r.workerIds.length,
          status: "SUCCEEDED" as const,
          finishedAt: new Date(),
          returnValue: null,
        }));
      }
      store.complete(done);
      return (frames() - before) / count;
    };
    return { singleEnqueue, claimComplete1: drain(1), claimComplete50: drain(50) };
  } finally {
    store.close();
  }
}

export function pagesSection(f: PageFigures): Section {
  const na = { na: "counted for tasklane's store only" };
  const line = (label: string, value: number) => ({
    label,
    tasklane: value,
    raw: na,
    plainjob: na,
    format: (v: number) => v.toFixed(2),
    kind: "time" as const,
  });
  return {
    title: "(f) Pages written per task",
    description:
      "WAL frames appended per task through the store (auto-checkpoint off), on a file already holding 20,000 rows: 2,000 single enqueues (one commit each), then 2,000 tasks claimed and completed as a worker does it, one transaction finishing the last batch and claiming the next, with 1 and with 50 slots. A commit's cost is these pages (4 KiB each), so fewer pages is a faster write path on any machine.",
    lines: [
      line("single enqueue", f.singleEnqueue),
      line("claim + complete, --concurrency 1", f.claimComplete1),
      line("claim + complete, --concurrency 50", f.claimComplete50),
    ],
    notes: [
      "Earlier schemas measured the same way: v3 6.9 pages per single enqueue and 9.6 per claim + complete at --concurrency 1; v5 5.75 and 7.56, 0.47 at --concurrency 50; v6 5.73, 5.47 and 0.35; v7 5.77, 4.48 and 0.33; v8 4.65, 4.48 and 0.33 (migrations.ts, v4 and v6 to v9, says what went).",
    ],
    targets: [],
  };
}
