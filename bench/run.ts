// `npm run bench`: builds, runs every scenario against the built dist, prints the report and
// writes bench/BENCHMARKS.md. Progress goes to stderr, the report to stdout.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pagesPerTask, pagesSection } from "./pages.js";
import { render, type Section, type Value } from "./report.js";
import { bulkEnqueue, drain, latency, singleEnqueue } from "./scenarios.js";
import { cleanupAll, machine, N } from "./setup.js";
import { perSecond } from "./stats.js";
import { type BullmqFigures, renderSummary } from "./summary.js";

const started = performance.now();
const sections: Section[] = [];
const num = (v: Value | undefined) => (typeof v === "number" ? v : Number.NaN);
let summaryInput: Parameters<typeof renderSummary>[0];
try {
  const single = await singleEnqueue(N);
  const bulk = await bulkEnqueue(N);
  const drained = await drain(N);
  const lat = await latency();
  process.stderr.write("(f) pages per task\n");
  const pages = pagesSection(await pagesPerTask());
  sections.push(single, bulk, drained.section, lat, pages);
  const f = drained.figures;
  summaryInput = {
    singlePerSecond: num(single.lines[0]?.tasklane),
    bulkPerSecond: num(bulk.lines[0]?.tasklane),
    drain1PerSecond: perSecond(N, f.one1.ms),
    drain50PerSecond: perSecond(N, f.one50.ms),
    drain2PerSecond: perSecond(N, f.two50.ms),
    latencyP99Ms: num(lat.lines.find((l) => l.label === "p99")?.tasklane),
    peakRss: f.one50.peakRss,
    plainjob: {
      singlePerSecond: num(single.lines[0]?.plainjob),
      bulkPerSecond: num(bulk.lines[0]?.plainjob),
      drainPerSecond: perSecond(N, f.plainjob.ms),
      peakRss: f.plainjob.peakRss,
    },
  };
} finally {
  cleanupAll();
}

// Separate scripts (each prints Markdown), appended to the same report: the operator's side at
// a million rows, the redis backend beside plain BullMQ (which also hands its figures to the
// summary through a JSON file), the cost of queue controls, schedules and unique tasks, and
// instant recovery.
const bullmqJson = join(tmpdir(), `tasklane-bench-bullmq-${process.pid}.json`);
const extra: string[] = [];
for (const script of ["manage-bench.ts", "redis.ts", "limits.ts", "controls.ts", "recovery.ts"]) {
  process.stderr.write(`running bench/${script} …\n`);
  const child = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, script)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, BENCH_BULLMQ_JSON: bullmqJson },
  });
  extra.push(child.status === 0 ? child.stdout : `## bench/${script}\n\nfailed (exit ${child.status}); see stderr.\n`);
}
let bullmq: BullmqFigures | null = null;
if (existsSync(bullmqJson)) {
  bullmq = JSON.parse(readFileSync(bullmqJson, "utf8")) as BullmqFigures;
  rmSync(bullmqJson);
}

const report = `${render(machine(), N, sections, renderSummary(summaryInput, bullmq))}\n${extra.join("\n")}`;
const out = join(import.meta.dirname, "BENCHMARKS.md");
writeFileSync(out, report);
process.stdout.write(`${report}\n`);
process.stderr.write(`wrote ${out} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
