// REDIS.md: the table and notes of bench/redis.ts's figures (measuring stays in redis.ts).
import { cpus } from "node:os";
import { fmtInt, fmtMs, fmtTimes } from "./stats.js";

/** Per contestant: tasklane, BullMQ adding the same jobs, BullMQ adding FIFO jobs. */
export interface Figures {
  tl: number;
  same: number;
  fifo: number;
}

/** What was measured, as redis.ts's scenarios return it. */
export interface RedisFigures {
  version: string;
  single: Figures & { sameWithIds: number };
  bulk: Figures;
  drained: Figures & { ms: Figures };
  /** ownProcess: BullMQ (same jobs) with its Worker in a process of its own (bullmq-worker.ts). */
  latency: { p50: Figures; p99: Figures; ownProcess: { p50: number; p99: number } };
  bytes: Figures;
}

/** The sizes and targets the run used (named in the notes). */
export interface RedisSettings {
  N: number;
  SINGLE: number;
  BULK: number;
  CONCURRENCY: number;
  LATENCY_SAMPLES: number;
  MEMORY_N: number;
  ROUNDS: number;
  WARMUP: number;
  TARGET: number;
  SINGLE_TARGET: number;
}

/** what, tasklane, BullMQ (same jobs), BullMQ (FIFO), overhead, the overhead's target. */
type Row = [string, string, string, string, number, number];

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length))) ?? [];
  const line = (r: string[]) =>
    `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => (c === 0 ? "-".repeat(w) : `${"-".repeat(Math.max(1, w - 1))}:`)).join(" | ")} |`;
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join("\n");
}

/** REDIS.md's text. */
export function redisReport(figures: RedisFigures, settings: RedisSettings): string {
  const { version, single, bulk, drained, latency, bytes } = figures;
  const { N, SINGLE, BULK, CONCURRENCY, LATENCY_SAMPLES, MEMORY_N, ROUNDS, WARMUP, TARGET, SINGLE_TARGET } = settings;
  // Overhead = how many times longer tasklane takes for the same work (rates: BullMQ ÷ tasklane).
  const rate = (what: string, f: Figures, target = TARGET): Row => [
    what,
    fmtInt(f.tl),
    fmtInt(f.same),
    fmtInt(f.fifo),
    f.same / f.tl,
    target,
  ];
  const ms = (what: string, f: Figures): Row => [
    what,
    fmtMs(f.tl),
    fmtMs(f.same),
    fmtMs(f.fifo),
    f.tl / f.same,
    TARGET,
  ];
  const mb = (value: number) => `${(value / 1e6).toFixed(1)} MB`;
  const rows: Row[] = [
    rate("enqueue, single (tasks/s)", single, SINGLE_TARGET),
    rate(`enqueue, bulk of ${BULK} (tasks/s)`, bulk),
    rate(`drain ${fmtInt(N)} no-ops, concurrency ${CONCURRENCY} (tasks/s)`, drained),
    ms("idle latency p50", latency.p50),
    ms("idle latency p99", latency.p99),
    [
      `Redis used_memory after ${fmtInt(MEMORY_N)} tasks enqueued and run (results kept)`,
      mb(bytes.tl),
      mb(bytes.same),
      mb(bytes.fifo),
      bytes.tl / bytes.same,
      TARGET,
    ],
    [
      "Redis bytes per task (results kept)",
      fmtInt(bytes.tl / MEMORY_N),
      fmtInt(bytes.same / MEMORY_N),
      fmtInt(bytes.fifo / MEMORY_N),
      bytes.tl / bytes.same,
      TARGET,
    ],
  ];
  const verdict = (ratio: number, target: number) => (ratio <= target ? "PASS" : "MISS");
  const text = `# tasklane redis backend vs plain BullMQ

Machine: ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores · Node ${process.version} · Redis ${version} · bullmq 5.81.5 · ${new Date().toISOString()}

Written by \`node --import tsx bench/redis.ts\`. Every contestant runs in this one process against the same
local Redis (persistence off), each on a fresh key prefix, one after the other. The baseline, "BullMQ,
same jobs", is plain BullMQ adding the jobs tasklane adds: each with a priority (tasklane gives every job
one, 101 − p, so priorities and FIFO among equals hold). Overhead = how many times longer tasklane takes
for the same work (rate of BullMQ ÷ rate of tasklane; latency and memory of tasklane ÷ those of BullMQ);
target ≤ ${TARGET}×, and ≤ ${fmtTimes(SINGLE_TARGET)} for single enqueues (at least 90% of BullMQ's rate).
"BullMQ, FIFO jobs" (no priority: BullMQ's cheapest path) is shown for reference. The machine is shared:
expect ±10–20% between runs.

${table([
  ["", "tasklane (redis)", "BullMQ, same jobs", "overhead", "target", "BullMQ, FIFO jobs"],
  ...rows.map(([what, tl, same, fifo, ratio, target]) => [
    what,
    tl,
    same,
    fmtTimes(ratio),
    `≤ ${fmtTimes(target)} ${verdict(ratio, target)}`,
    fifo,
  ]),
])}

What each side does:

- **enqueue, single**: ${fmtInt(SINGLE)} × \`await noop.enqueue(i)\` vs \`await queue.add("noop", { args: [i] }, { priority: 101 })\`,
  in ${ROUNDS} interleaved rounds after ${fmtInt(WARMUP)} untimed warm-up enqueues each. tasklane also validates the task
  and its arguments (JSON rule), makes a UUIDv7 and writes the id → queue index entry (sent with the add, same round trip).
  For reference, BullMQ adding the same jobs under a UUIDv7 job id each (tasklane's ids; BullMQ's own count up from 1)
  in the same rounds: ${fmtInt(single.sameWithIds)}/s, ${fmtTimes(single.sameWithIds / single.same)} its rate with its own ids.
- **enqueue, bulk**: \`noop.enqueueMany\` vs \`queue.addBulk\`, ${BULK} jobs per call, ${fmtInt(N)} jobs, 3 untimed warm-up calls,
  then interleaved rounds.
- **drain**: ${fmtInt(N)} jobs enqueued first, then one worker with concurrency ${CONCURRENCY} runs them all (after an
  untimed warm-up drain of 2,000; best of 2 alternating rounds): tasklane's worker runner (\`tasks worker --batch\` without the process start-up) vs a BullMQ Worker with an async no-op processor.
  tasklane runs each job through runAttempt (context, JSON check of the return value, events).
  Wall time: tasklane ${fmtMs(drained.ms.tl)}, BullMQ (same jobs) ${fmtMs(drained.ms.same)}, BullMQ (FIFO) ${fmtMs(drained.ms.fifo)}.
- **idle latency**: idle workers (one per contestant, all running); ${LATENCY_SAMPLES} times each, taking turns 10 ms
  apart: enqueue one task, time until its function starts. Each Worker above runs in this process, beside the enqueues.
  For reference, BullMQ (same jobs) with its Worker in a process of its own (\`bench/bullmq-worker.ts\`, taking its turn
  in the same rounds), as tasklane's sqlite worker runs in \`npm run bench\`'s (d):
  p50 ${fmtMs(latency.ownProcess.p50)}, p99 ${fmtMs(latency.ownProcess.p99)}.
- **Redis memory**: INFO \`used_memory\` before and after ${fmtInt(MEMORY_N)} no-op tasks enqueued (bulks of ${BULK}) and run by
  one worker, results kept (BullMQ: \`removeOnComplete\` false, its default), each contestant in an empty Redis database
  of its own. tasklane stores per task: the BullMQ job (its hash kept in Redis's compact encoding: no copies of the
  id and timestamp in the job's options, a one-letter start marker in its data, a short worker code as BullMQ's
  worker name), the job's entry in BullMQ's completed set, and an entry in tasklane's id → queue index (written by the
  enqueue into one sorted set, moved by the worker into sorted sets of at most 128 members holding each id as its 16
  bytes, which Redis keeps compact; the worker moves the last ones as it stops, inside the drain's time); its queues
  keep 1,000 BullMQ events instead of 10,000 (tasklane reads none).
`;
  return text;
}
