// `npm run bench`: builds, runs every scenario against the built dist, prints the report and
// writes bench/BENCHMARKS.md. Progress goes to stderr, the report to stdout.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { render, type Section } from "./report.js";
import { bulkEnqueue, drain, latency, singleEnqueue } from "./scenarios.js";
import { cleanupAll, machine, N } from "./setup.js";

const started = performance.now();
const sections: Section[] = [];
try {
  sections.push(await singleEnqueue(N));
  sections.push(await bulkEnqueue(N));
  sections.push(await drain(N));
  sections.push(await latency());
} finally {
  cleanupAll();
}

// The operator's side at a million rows, and the redis backend beside plain BullMQ: separate
// scripts (each prints Markdown), appended to the same report.
const extra: string[] = [];
for (const script of ["manage-bench.ts", "redis.ts"]) {
  process.stderr.write(`running bench/${script} …\n`);
  const child = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, script)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  extra.push(child.status === 0 ? child.stdout : `## bench/${script}\n\nfailed (exit ${child.status}); see stderr.\n`);
}

const report = `${render(machine(), N, sections)}\n${extra.join("\n")}`;
const out = join(import.meta.dirname, "BENCHMARKS.md");
writeFileSync(out, report);
process.stdout.write(`${report}\n`);
process.stderr.write(`wrote ${out} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
