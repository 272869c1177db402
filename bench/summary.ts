// The table issue #16 set its targets in: tasklane (sqlite) beside plainjob and plain BullMQ on
// Redis, all measured in this one `npm run bench`, with PASS/MISS per target.
import { fmtInt, fmtMs, fmtTimes } from "./stats.js";

/** Plain BullMQ's figures from bench/redis.ts (same run), and the redis backend's memory beside BullMQ's. */
export interface BullmqFigures {
  singlePerSecond: number;
  bulkPerSecond: number;
  drain1PerSecond: number;
  drain50PerSecond: number;
  latencyP99Ms: number;
  /** The same with BullMQ's Worker in a process of its own, as tasklane's worker runs. */
  latencyP99OwnProcessMs: number;
  /** Redis used_memory growth for N tasks enqueued and run, results kept. */
  memoryTasklaneBytes: number;
  memoryBullmqBytes: number;
  memoryTasks: number;
}

export interface TasklaneFigures {
  singlePerSecond: number;
  bulkPerSecond: number;
  drain1PerSecond: number;
  drain50PerSecond: number;
  drain2PerSecond: number;
  latencyP99Ms: number;
  peakRss: number;
  plainjob: { singlePerSecond: number; bulkPerSecond: number; drainPerSecond: number; peakRss: number };
}

type Cell = number | null;

interface Row {
  scenario: string;
  tasklane: string;
  vsPlainjob: Cell;
  vsBullmq: Cell;
  target: string;
  pass: boolean | null;
}

const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
const times = (v: Cell) => (v === null || !Number.isFinite(v) ? "" : fmtTimes(v));

export function renderSummary(t: TasklaneFigures, b: BullmqFigures | null): string {
  const ratio = (mine: number, theirs: number | undefined) =>
    theirs === undefined || !Number.isFinite(theirs) || theirs === 0 ? null : mine / theirs;
  const rows: Row[] = [];
  const add = (row: Row) => rows.push(row);
  const pj = t.plainjob;
  const single = ratio(t.singlePerSecond, pj.singlePerSecond);
  add({
    scenario: "enqueue one by one",
    tasklane: `${fmtInt(t.singlePerSecond)}/s`,
    vsPlainjob: single,
    vsBullmq: ratio(t.singlePerSecond, b?.singlePerSecond),
    target: "≥ 1.0× plainjob",
    pass: single === null ? null : single >= 1,
  });
  const bulk = ratio(t.bulkPerSecond, pj.bulkPerSecond);
  add({
    scenario: "enqueue bulk (1,000 per call)",
    tasklane: `${fmtInt(t.bulkPerSecond)}/s`,
    vsPlainjob: bulk,
    vsBullmq: ratio(t.bulkPerSecond, b?.bulkPerSecond),
    target: "≥ 0.5× plainjob",
    pass: bulk === null ? null : bulk >= 0.5,
  });
  const d1 = ratio(t.drain1PerSecond, pj.drainPerSecond);
  add({
    scenario: "drain, 1 process, `--concurrency 1` (the default)",
    tasklane: `${fmtInt(t.drain1PerSecond)}/s`,
    vsPlainjob: d1,
    vsBullmq: ratio(t.drain1PerSecond, b?.drain1PerSecond),
    target: "≥ 1.0× plainjob",
    pass: d1 === null ? null : d1 >= 1,
  });
  const d50 = ratio(t.drain50PerSecond, b?.drain50PerSecond);
  add({
    scenario: "drain, 1 process, `--concurrency 50`",
    tasklane: `${fmtInt(t.drain50PerSecond)}/s`,
    vsPlainjob: ratio(t.drain50PerSecond, pj.drainPerSecond),
    vsBullmq: d50,
    target: "≥ 1.5× BullMQ",
    pass: d50 === null ? null : d50 >= 1.5,
  });
  const two = t.drain2PerSecond / t.drain50PerSecond;
  add({
    scenario: "drain, 2 processes (÷ 1 process)",
    tasklane: `${fmtInt(t.drain2PerSecond)}/s = ${fmtTimes(two)}`,
    vsPlainjob: null,
    vsBullmq: null,
    target: "≥ 1.2× of 1 process",
    pass: two >= 1.2,
  });
  const lat = ratio(t.latencyP99Ms, b?.latencyP99Ms);
  add({
    scenario: "enqueue → start p99",
    tasklane: fmtMs(t.latencyP99Ms),
    vsPlainjob: null,
    vsBullmq: lat,
    target: "≤ 0.8× BullMQ",
    pass: lat === null ? null : lat <= 0.8,
  });
  const rss = ratio(t.peakRss, pj.peakRss);
  add({
    scenario: "worker peak RSS",
    tasklane: mb(t.peakRss),
    vsPlainjob: rss,
    vsBullmq: null,
    target: "≤ 1.3× plainjob",
    pass: rss === null ? null : rss <= 1.3,
  });
  if (b) {
    const mem = b.memoryTasklaneBytes / b.memoryBullmqBytes;
    add({
      scenario: `Redis memory after ${fmtInt(b.memoryTasks)} tasks (redis backend)`,
      tasklane: mb(b.memoryTasklaneBytes),
      vsPlainjob: null,
      vsBullmq: mem,
      target: "≤ 1.3× BullMQ",
      pass: mem <= 1.3,
    });
  }
  const verdict = (pass: boolean | null) => (pass === null ? "n/a" : pass ? "**PASS**" : "**MISS**");
  return [
    "## Summary: tasklane beside plainjob and BullMQ",
    "",
    "Every figure below comes from this run: tasklane on its default sqlite backend, plainjob 0.0.14 (sections (a)–(c)),",
    "plain BullMQ on a local Redis (bench/redis.ts, appended below). Ratios are tasklane ÷ peer: for rates higher is",
    "better, for latency and memory lower is better. Enqueue → start is measured the same way on each side: from just",
    "before the enqueue call to the task function starting, at sub-ms resolution (tasklane's worker runs in a process of",
    "its own, as users run it; BullMQ's Worker in the enqueuing process). BullMQ's drain at concurrency 1 is the same",
    "jobs with one Worker slot.",
    "",
    "| scenario | tasklane | ÷ plainjob | ÷ BullMQ + Redis | target | result |",
    "|---|---:|---:|---:|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.tasklane} | ${times(r.vsPlainjob)} | ${times(r.vsBullmq)} | ${r.target} | ${verdict(r.pass)} |`,
    ),
    "",
    b ? ownProcessNote(t.latencyP99Ms, b.latencyP99OwnProcessMs) : "",
    b ? "" : "BullMQ's figures are missing: bench/redis.ts did not report them (see its section below).\n",
  ].join("\n");
}

/** Enqueue → start with both workers in a process of their own: a reference beside the target's row. */
function ownProcessNote(tasklaneMs: number, bullmqMs: number): string {
  return [
    "For reference, enqueue → start with BullMQ's Worker in a process of its own too, as tasklane's worker runs",
    `(bench/redis.ts, same jobs): BullMQ's p99 ${fmtMs(bullmqMs)}, tasklane ÷ that ${fmtTimes(tasklaneMs / bullmqMs)}. The row above keeps its`,
    "target against BullMQ's Worker in the enqueuing process.",
    "",
  ].join("\n");
}
