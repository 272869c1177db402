// The four scenarios: each runs tasklane, its raw bound and plainjob, and returns a report section.
import { readFileSync, writeFileSync } from "node:fs";
import { interleave, tasklaneBulk, tasklaneSingle } from "./enqueue.js";
import { plainjobBulk, plainjobDrain, plainjobLatency, plainjobSingle } from "./plainjob.js";
import { rawBulk, rawDrain, rawSingle } from "./raw.js";
import type { Line, Section } from "./report.js";
import { loadProject, openRaw, project, rawSchemaDb } from "./setup.js";
import { fmtInt, fmtMs, fmtPct, percentile, perSecond } from "./stats.js";
import { type DrainResult, idleCpu, tasklaneDrain, tasklaneLatency } from "./workers.js";

const CHUNK = 1000;
const PLAINJOB_SCHEMA =
  "plainjob's table has an integer key and one secondary index; tasklane's adds a UUIDv7 text key with a UNIQUE index and two READY partial indexes, so tasklane's own raw bound is already below plainjob: the gap to plainjob is the schema (and UUID generation), the gap to raw is tasklane's code.";
const log = (line: string) => process.stderr.write(`${line}\n`);

/** An enqueue scenario's section: enqueues/s of each contestant and the tasklane/raw target. */
function enqueueSection(
  title: string,
  description: string,
  n: number,
  ms: Record<string, number>,
  target: number,
): Section {
  const rate = (name: string) => perSecond(n, ms[name] ?? Number.NaN);
  const ratio = rate("tasklane") / rate("raw");
  return {
    title,
    description,
    lines: [
      {
        label: "enqueues/s",
        tasklane: rate("tasklane"),
        raw: rate("raw"),
        plainjob: rate("plainjob"),
        format: fmtInt,
        kind: "rate",
      },
    ],
    notes: [PLAINJOB_SCHEMA],
    targets: [{ text: `tasklane ≥ ${target * 100}% of raw`, pass: ratio >= target, measured: fmtPct(ratio) }],
  };
}

/** (a) N × `await noop.enqueue(i)` vs one autocommit INSERT per row vs plainjob's add(). */
export async function singleEnqueue(n: number): Promise<Section> {
  log(`(a) single enqueue × ${n}`);
  const p = project("single");
  const { config, noop } = await loadProject(p.configPath);
  const ms = await interleave(
    {
      raw: rawSingle(await rawSchemaDb(project("single-raw").dbPath)),
      tasklane: tasklaneSingle(noop, () => config.close()),
      plainjob: plainjobSingle(),
    },
    n,
  );
  return enqueueSection(
    "(a) Single enqueue",
    `${fmtInt(n)} × \`await noop.enqueue(i)\` on the sqlite backend (one autocommit INSERT each, WAL, synchronous NORMAL). Raw bound: a prepared INSERT of the same row (UUIDv7 id, JSON args) into the same schema, one per row. plainjob: \`queue.add("noop", [i])\`. Run in 5 interleaved rounds after 1,000 untimed warm-up tasks each.`,
    n,
    ms,
    0.8,
  );
}

/** (b) enqueueMany in chunks of 1000 vs 1000 INSERTs per transaction vs plainjob's addMany(). */
export async function bulkEnqueue(n: number): Promise<Section> {
  log(`(b) bulk enqueue × ${n}`);
  const p = project("bulk");
  const { config, noop } = await loadProject(p.configPath);
  const ms = await interleave(
    {
      raw: rawBulk(await rawSchemaDb(project("bulk-raw").dbPath), CHUNK),
      tasklane: tasklaneBulk(noop, CHUNK, () => config.close()),
      plainjob: plainjobBulk(CHUNK),
    },
    n,
    { step: CHUNK },
  );
  return enqueueSection(
    "(b) Bulk enqueue",
    `${fmtInt(n)} tasks as \`await noop.enqueueMany(calls)\` with ${fmtInt(CHUNK)} calls each (one transaction each). Raw bound: ${fmtInt(CHUNK)} prepared INSERTs per BEGIN IMMEDIATE transaction. plainjob: \`queue.addMany("noop", data)\` with ${fmtInt(CHUNK)} each. Interleaved rounds as in (a).`,
    n,
    ms,
    0.7,
  );
}

/** A file with `n` READY noop tasks enqueued through tasklane, checkpointed, as bytes to copy. */
async function filledTemplate(n: number): Promise<Buffer> {
  const p = project("template");
  const { config, noop } = await loadProject(p.configPath);
  await tasklaneBulk(noop, CHUNK, async () => {}).run(0, n);
  await config.close();
  const db = openRaw(p.dbPath);
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return readFileSync(p.dbPath);
}

/** The raw bound of (c) on a fresh copy of the template. */
function rawDrainOnce(template: Buffer, n: number): { ms: number } {
  const path = project("drain-raw").dbPath;
  writeFileSync(path, template);
  const db = openRaw(path);
  const raw = rawDrain(db, 50);
  db.close();
  if (raw.done !== n) throw new Error(`raw drain: ${raw.done} of ${n}`);
  return raw;
}

const fastest = <T extends { ms: number }>(a: T | undefined, b: T): T => (a && a.ms <= b.ms ? a : b);

/**
 * (c) Drain N pre-enqueued no-op tasks: 1 and 2 worker processes vs an in-process
 * claim/finish loop vs plainjob. Two interleaved rounds; each contestant keeps its faster one.
 */
export async function drain(n: number, rounds = 2): Promise<Section> {
  log(`(c) drain × ${n}: filling the template`);
  const template = await filledTemplate(n);
  let raw: { ms: number } | undefined;
  let one: DrainResult | undefined;
  let two: DrainResult | undefined;
  let pj: { ms: number } | undefined;
  for (let r = 1; r <= rounds; r++) {
    log(`(c) round ${r}/${rounds}: raw bound, tasklane 1 process, tasklane 2 processes, plainjob`);
    raw = fastest(raw, rawDrainOnce(template, n));
    one = fastest(one, await tasklaneDrain(template, 1, n));
    two = fastest(two, await tasklaneDrain(template, 2, n));
    pj = fastest(pj, { ms: await plainjobDrain(n) });
  }
  if (!raw || !one || !two || !pj) throw new Error("drain: no rounds");
  const rawRate = perSecond(n, raw.ms);
  const pjRate = perSecond(n, pj.ms);
  const oneRate = perSecond(n, one.ms);
  const twoRate = perSecond(n, two.ms);
  const minShare = Math.min(...two.perWorker) / n;
  return {
    title: "(c) Drain",
    description: `${fmtInt(n)} no-op tasks pre-enqueued; time from spawning \`node bin/run.js worker --batch --no-startup-delay --concurrency 50 --json\` (stdout to a file) to every process having exited — process start-up and config loading included, nothing subtracted. Raw bound: in-process better-sqlite3 loop on a copy of the same file: claim 50 (\`UPDATE … WHERE seq IN (SELECT … ORDER BY priority DESC, due_at, enqueued_at LIMIT 50) RETURNING *\` in BEGIN IMMEDIATE, the store's columns) then finish those 50 in one transaction, until empty. Best of ${rounds} interleaved rounds for each. plainjob: one in-process worker (its workers are in-process and run one job at a time), \`start()\` → last completion.`,
    lines: [
      { label: "1 process, tasks/s", tasklane: oneRate, raw: rawRate, plainjob: pjRate, format: fmtInt, kind: "rate" },
      {
        label: "2 processes, tasks/s",
        tasklane: twoRate,
        raw: rawRate,
        plainjob: { na: "plainjob has no worker CLI; its workers run inside the defining process" },
        format: fmtInt,
        kind: "rate",
      },
    ],
    notes: [
      `1 process: ${fmtMs(one.ms)} in all, of which spawn → "started" ${fmtMs(one.startupMs)}; without that start-up, ${fmtInt(perSecond(n, one.ms - one.startupMs))} tasks/s (${fmtPct(perSecond(n, one.ms - one.startupMs) / rawRate)} of raw).`,
      `2 processes: ${fmtMs(two.ms)} in all, spawn → "started" ${fmtMs(two.startupMs)} (slower one); tasks per process ${two.perWorker.map(fmtInt).join(" / ")}.`,
      `Raw bound: ${fmtMs(raw.ms)}. The worker also writes two --json lines per task (taskStarted, taskFinished); the raw loop writes none.`,
    ],
    targets: [
      { text: "1 process ≥ 50% of raw", pass: oneRate / rawRate >= 0.5, measured: fmtPct(oneRate / rawRate) },
      {
        text: "2 processes ≥ 1 process",
        pass: twoRate >= oneRate,
        measured: `${fmtInt(twoRate)} vs ${fmtInt(oneRate)} tasks/s`,
      },
      {
        text: "each of 2 processes runs ≥ 25% of the tasks",
        pass: minShare >= 0.25,
        measured: `min ${fmtPct(minShare)}`,
      },
    ],
  };
}

const fmtCpu = (share: number) => `${(share * 100).toFixed(2)}%`;

const idleLine = (label: string, share: number): Line => ({
  label,
  tasklane: share,
  raw: { na: "a raw bound for idle CPU is zero by definition" },
  plainjob: { na: "not measured: plainjob workers run inside the app process" },
  format: fmtCpu,
  kind: "time",
});

/** (d) Enqueue → start latency on an idle worker, and an idle worker's CPU use. */
export async function latency(count = 400, gapMs = 20, idleSeconds = 10): Promise<Section> {
  log(`(d) latency: ${count} tasks ${gapMs} ms apart`);
  const tl = await tasklaneLatency(count, gapMs);
  log(`(d) idle CPU over 2 × ${idleSeconds} s`);
  const cpu = await idleCpu(idleSeconds);
  log("(d) plainjob latency");
  const pj = await plainjobLatency(count, gapMs);
  const noRaw = { na: "no raw bound is defined for wake-up latency" };
  const line = (label: string, p: number) => ({
    label,
    tasklane: percentile(tl, p),
    raw: noRaw,
    plainjob: pj.length === count ? percentile(pj, p) : { na: `only ${pj.length} of ${count} jobs ran in 30 s` },
    format: fmtMs,
    kind: "time" as const,
  });
  return {
    title: "(d) Latency and idle CPU",
    description: `An idle \`tasks worker --concurrency 1\` (default --interval 1 s) in its own process; this process enqueues ${count} tasks ${gapMs} ms apart. Latency = the task's startedAt − enqueuedAt as recorded in the DB (same clock, 1 ms resolution). plainjob: an in-process worker with its default 1 s poll; latency = processor start − add time. Idle CPU: utime + stime from /proc/<pid>/stat of a worker with nothing to do, as % of one core (100 ticks/s), over ${idleSeconds} s from 1 s after its "started" event, then over the next ${idleSeconds} s.`,
    lines: [
      line("p50", 50),
      line("p99", 99),
      line("max", 100),
      idleLine(`idle CPU, ${idleSeconds} s from 1 s after start`, cpu.first),
      idleLine(`idle CPU, the next ${idleSeconds} s`, cpu.steady),
    ],
    notes: [
      `The first idle window can include start-up's tail: in a --trace-gc check, V8's memory reducer ran two full GCs about 8 s after start to shrink the start-up heap. The second window is the steady idle cost (a claim and a next-due query per --interval, a heartbeat every 5 s).`,
    ],
    targets: [
      { text: "enqueue → start p50 ≤ 2 ms", pass: percentile(tl, 50) <= 2, measured: fmtMs(percentile(tl, 50)) },
      { text: "enqueue → start p99 ≤ 6 ms", pass: percentile(tl, 99) <= 6, measured: fmtMs(percentile(tl, 99)) },
      {
        text: "steady idle worker CPU near zero (< 1% of a core)",
        pass: cpu.steady < 0.01,
        measured: `${fmtCpu(cpu.steady)} (first window ${fmtCpu(cpu.first)})`,
      },
    ],
  };
}
