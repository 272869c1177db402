// Redis restarts mid-drain, the long version (`npm run chaos`; the test suite runs a short one in
// test/backends/redis/faults.test.ts). Redis persists every write (appendfsync always) and is
// killed with -9, then restarted on the same port, CHAOS_RESTARTS times while worker processes
// drain CHAOS_TASKS tasks. Passes when no task ended FAILED, none ran twice and none was lost.
// Needs redis-server on PATH and a built dist/ (npm run chaos builds first).
import { restartDrill } from "../test/backends/redis/restart-drill.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const options = {
  tasks: env("CHAOS_TASKS", 20_000),
  restarts: env("CHAOS_RESTARTS", 10),
  workers: env("CHAOS_WORKERS", 2),
  concurrency: env("CHAOS_CONCURRENCY", 10),
  maxAttempts: env("CHAOS_MAX_ATTEMPTS", 1),
  downMs: env("CHAOS_DOWN_MS", 1800),
  lockDurationMs: env("CHAOS_LOCK_MS", 10_000),
  stalledIntervalMs: env("CHAOS_STALLED_MS", 1000),
  timeoutMs: env("CHAOS_TIMEOUT_MS", 300_000),
};

const started = Date.now();
console.log(`chaos: ${JSON.stringify(options)}`);
const report = await restartDrill({ ...options, log: (line) => console.log(`  ${line}`) });
const stat = (list: (number | null)[]) => {
  const seen = list.filter((n): n is number => n !== null).sort((a, b) => a - b);
  const missing = list.length - seen.length;
  return seen.length === 0
    ? `none of ${list.length}`
    : `min ${seen[0]} ms, median ${seen[Math.floor(seen.length / 2)]} ms, max ${seen.at(-1)} ms${missing ? `, ${missing} missing` : ""}`;
};
console.log(`restarts:        ${report.restarts}`);
console.log(`tasks:           ${report.tasks} (${report.succeeded} SUCCEEDED, ${report.failed} FAILED)`);
console.log(
  `ran twice:       ${report.duplicates.length}${report.duplicates.length ? ` (${report.duplicates.slice(0, 5).join(", ")})` : ""}`,
);
console.log(`never ran:       ${report.neverRun}`);
console.log(`"lost" after:    ${stat(report.lostAfterMs)} (kill → worker event)`);
console.log(`"restored" after: ${stat(report.restoredAfterMs)} (Redis answering → worker event)`);
console.log(
  `drain:           ${(report.drainMs / 1000).toFixed(1)} s; whole run ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
if (report.failures.length) console.log(`failures:        ${report.failures.join(" | ")}`);
if (report.workerErrors.length) {
  console.log(`worker errors:   ${report.workerErrors.length}, first: ${report.workerErrors.slice(0, 5).join(" | ")}`);
}
const ok = report.failed === 0 && report.duplicates.length === 0 && report.neverRun === 0;
console.log(ok ? "PASS" : "FAIL");
process.exit(ok ? 0 : 1);
