// `npm run bench`: builds, runs every scenario against the built dist, prints the report and
// writes bench/BENCHMARKS.md. Progress goes to stderr, the report to stdout.
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

const report = render(machine(), N, sections);
const out = join(import.meta.dirname, "BENCHMARKS.md");
writeFileSync(out, report);
process.stdout.write(`${report}\n`);
process.stderr.write(`wrote ${out} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
