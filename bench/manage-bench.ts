// The operator's side at scale: `tasks results / watch / prune` over a million rows.
//   node --import tsx bench/manage-bench.ts            (MANAGE_BENCH_ROWS=200000 for a quick run)
// (1) insert cost of schema v2: single autocommit INSERTs, v1 vs v2, interleaved;
// (2) listResults / dashboard refresh / lookups on ROWS finished results + a few thousand
//     READY/RUNNING; (3) prune of every finished row while another process enqueues one task
//     every ~10 ms, reporting its longest single enqueue (the stall prune causes).
// Progress goes to stderr, the Markdown report to stdout.
import { execFileSync, fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteBackend } from "../src/backends/sqlite/backend.js";
import { SqliteManagement } from "../src/backends/sqlite/manage.js";
import { MIGRATIONS } from "../src/backends/sqlite/migrations.js";
import { SqliteStore } from "../src/backends/sqlite/store.js";
import { newResultId as v7 } from "../src/core/ids.js";
import { task } from "../src/core/task.js";
import { fmtInt, fmtMs, fmtPct, percentile, sleep, time } from "./stats.js";

const ROWS = Number(process.env.MANAGE_BENCH_ROWS ?? 1_000_000);
const log = (line: string) => process.stderr.write(`${line}\n`);
const out: string[] = [];
const say = (line = "") => out.push(line);

// ------------------------------------------------------------------ the enqueuing peer (child)

if (process.argv[2] === "enqueuer") {
  // The path `task.enqueue()` takes: the sqlite backend's group commit, which waits for a lock
  // held by another process asynchronously (when-unlocked.ts).
  const backend = new SqliteBackend({ alias: "default", queues: [], options: { path: process.argv[3] as string } });
  const peer = task((_i: number) => null);
  const durations: number[] = [];
  let stop = false;
  process.on("message", (msg) => {
    if (msg === "stop") stop = true;
  });
  void backend.store; // opened before the first timed enqueue
  process.send?.("ready");
  while (!stop) {
    const request = {
      taskName: "peer",
      args: [durations.length],
      queueName: "default",
      priority: 0,
      runAfter: null,
      maxAttempts: 1,
    };
    const start = performance.now();
    await backend.enqueueMany(peer, [request]); // waits while prune holds the write lock
    const took = performance.now() - start;
    durations.push(took);
    await sleep(Math.max(0, 10 - took));
  }
  await backend.close();
  process.send?.({ durations });
  process.exit(0);
}

// ------------------------------------------------------------------ helpers

const dir = mkdtempSync(join(tmpdir(), "tasklane-manage-bench-"));
const NOW = Date.now();
const DAY = 86_400_000;

function rawDb(path: string, version: 1 | 2): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  for (let v = 0; v < version; v++) db.exec(MIGRATIONS[v] as string);
  db.pragma(`user_version = ${version}`);
  return db;
}

const INSERT_READY = `INSERT INTO tasklane_results
  (id, task_name, status, args, queue_name, priority, run_after, due_at, enqueued_at, max_attempts)
  VALUES (?, ?, 'READY', ?, ?, 0, NULL, ?, ?, 1)`;

// ------------------------------------------------------------------ (1) insert cost of v2

async function insertCost(): Promise<void> {
  log("(1) insert rate, v1 vs v2 …");
  const queues = ["default", "emails", "reports", "bulk"];
  const variants = ([1, 2] as const).map((version) => {
    const db = rawDb(join(dir, `insert-v${version}.sqlite3`), version);
    const insert = db.prepare(INSERT_READY);
    // 100k finished rows already there, so every index has some depth.
    const base = NOW - 30 * DAY;
    db.transaction(() => {
      for (let i = 0; i < 100_000; i++) insert.run(v7(), `task${i % 20}`, `[${i}]`, queues[i % 4], base + i, base + i);
    })();
    db.exec("UPDATE tasklane_results SET status = 'SUCCEEDED', finished_at = enqueued_at + 5");
    db.pragma("wal_checkpoint(TRUNCATE)");
    return { version, db, insert, rates: [] as number[] };
  });
  const batch = 500;
  for (let round = 0; round < 40; round++) {
    for (const v of round % 2 ? [...variants].reverse() : variants) {
      const start = performance.now();
      for (let i = 0; i < batch; i++) {
        const now = Date.now();
        v.insert.run(v7(), `task${i % 20}`, `[${i}]`, queues[i % 4], now, now);
      }
      v.rates.push((batch * 1000) / (performance.now() - start));
    }
  }
  const [v1, v2] = variants.map((v) => percentile(v.rates, 50)) as [number, number];
  for (const v of variants) v.db.close();
  say("## Insert cost of schema v2");
  say();
  say("Single autocommit INSERTs of READY rows (the store's INSERT) into a table already holding");
  say("100k rows; 40 interleaved rounds of 500, median round.");
  say();
  say("| schema | inserts/s | vs v1 |");
  say("|---|---:|---:|");
  say(`| v1 | ${fmtInt(v1)} | 100% |`);
  say(`| v2 | ${fmtInt(v2)} | ${fmtPct(v2 / v1)} |`);
  say();
}

// ------------------------------------------------------------------ (2) a million rows

const QUEUES: [string, number][] = [
  ["default", 0.55],
  ["emails", 0.25],
  ["reports", 0.12],
  ["bulk", 0.079],
  ["rare", 0.001],
];
const TASKS = [...Array.from({ length: 29 }, (_, i) => `task${String(i).padStart(2, "0")}`), "monthlyReport"];
const CLASSES = ["TypeError", "RangeError", "TimeoutError", "ConnectionRefused"];
const READY = 3000;
const RUNNING = 500;

function pick<T>(weights: [T, number][], x: number): T {
  for (const [value, w] of weights) {
    if (x < w) return value;
    x -= w;
  }
  return (weights[weights.length - 1] as [T, number])[0];
}

/** ROWS finished results over 30 days (2% FAILED, 0.5% CANCELLED), then READY and RUNNING ones. */
function build(path: string): void {
  log(`(2) building ${fmtInt(ROWS)} finished + ${READY + RUNNING} READY/RUNNING rows …`);
  const db = rawDb(path, 2);
  const insert = db.prepare(`INSERT INTO tasklane_results (id, task_name, status, args, queue_name, priority,
    due_at, enqueued_at, started_at, finished_at, last_attempted_at, worker_ids, errors, return_value, attempts,
    worker_id, lease_expires_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  // Task popularity ~ 1/rank; monthlyReport is rare (0.05%).
  const weights: [string, number][] = TASKS.slice(0, 29).map((t, i) => [t, 1 / (i + 1)]);
  const sum = weights.reduce((s, [, w]) => s + w, 0);
  const taskWeights: [string, number][] = [
    ...weights.map(([t, w]): [string, number] => [t, (w / sum) * 0.9995]),
    ["monthlyReport", 0.0005],
  ];
  const total = ROWS + READY + RUNNING;
  const start = NOW - 30 * DAY;
  const chunk = 50_000;
  for (let from = 0; from < total; from += chunk) {
    db.transaction(() => {
      for (let i = from; i < Math.min(total, from + chunk); i++) {
        const enqueuedAt = Math.floor(start + (i / total) * 30 * DAY);
        const queue = pick(QUEUES, rand());
        const task = pick(taskWeights, rand());
        const r = rand();
        const unfinished = i >= ROWS ? (i < ROWS + READY ? "READY" : "RUNNING") : null;
        const status = unfinished ?? (r < 0.02 ? "FAILED" : r < 0.025 ? "CANCELLED" : "SUCCEEDED");
        const started = status === "READY" || status === "CANCELLED" ? null : enqueuedAt + 20;
        const finished = unfinished ? null : enqueuedAt + 50 + Math.floor(rand() * 5000);
        const cls = CLASSES[Math.floor(rand() * CLASSES.length)] as string;
        const errors =
          status === "FAILED"
            ? JSON.stringify([
                { exceptionClass: cls, message: `${cls} while handling item ${i}`, traceback: `${cls}: …\n`.repeat(8) },
              ])
            : "[]";
        insert.run(
          v7(),
          task,
          status,
          JSON.stringify([i, { to: `user${i % 1000}@example.com` }]),
          queue,
          enqueuedAt,
          enqueuedAt,
          started,
          finished,
          started,
          started === null ? "[]" : '["bench-worker"]',
          errors,
          status === "SUCCEEDED" ? '{"ok":true}' : null,
          started === null ? 0 : 1,
          status === "RUNNING" ? "bench-worker" : null,
          status === "RUNNING" ? NOW + 30_000 : null,
        );
      }
    })();
  }
  const worker = db.prepare(`INSERT INTO tasklane_workers VALUES (?, 'host', ?, '*', ?, ?, ?, NULL)`);
  for (let w = 0; w < 8; w++)
    worker.run(`worker-${w}`, 1000 + w, NOW - DAY, NOW - w * 1000, w < 6 ? "running" : "stopped");
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}

async function queries(path: string): Promise<void> {
  const store = new SqliteStore({ path, alias: "default" });
  const m = new SqliteManagement(store);
  const runs = 30;
  const rows: [string, { p50: number; p95: number; max: number }][] = [];
  const measure = async (label: string, fn: () => Promise<unknown>, n = runs) => {
    log(`    ${label}`);
    rows.push([label, await time(n, fn)]);
  };
  log("(2) queries …");
  const page1 = await m.listResults({ limit: 20 });
  await measure("listResults(limit 20)", () => m.listResults({ limit: 20 }));
  await measure("… page 2 (cursor)", () => m.listResults({ limit: 20, cursor: page1.nextCursor as string }));
  await measure("… status FAILED", () => m.listResults({ limit: 20, statuses: ["FAILED"] }));
  await measure("… status CANCELLED", () => m.listResults({ limit: 20, statuses: ["CANCELLED"] }));
  await measure("… status SUCCEEDED", () => m.listResults({ limit: 20, statuses: ["SUCCEEDED"] }));
  await measure("… queue rare + status SUCCEEDED", () =>
    m.listResults({ limit: 20, queues: ["rare"], statuses: ["SUCCEEDED"] }),
  );
  await measure("… status READY", () => m.listResults({ limit: 20, statuses: ["READY"] }));
  await measure("… task task00 (~25% of rows)", () => m.listResults({ limit: 20, taskNames: ["task00"] }));
  await measure("… task monthlyReport (0.05%)", () => m.listResults({ limit: 20, taskNames: ["monthlyReport"] }));
  await measure("… queue default (55%)", () => m.listResults({ limit: 20, queues: ["default"] }));
  await measure("… queue rare (0.1%)", () => m.listResults({ limit: 20, queues: ["rare"] }));
  await measure("… task task03 + status FAILED", () =>
    m.listResults({ limit: 20, taskNames: ["task03"], statuses: ["FAILED"] }),
  );
  await measure("… since 1 day", () => m.listResults({ limit: 20, since: new Date(NOW - DAY) }));
  const dashboard = () =>
    Promise.all([m.countByStatus(), m.countByQueue(), m.listResults({ limit: 50 }), m.workers(), m.throughput(30)]);
  await measure("**dashboard refresh** (all five below)", dashboard);
  await measure("countByStatus()", () => m.countByStatus());
  await measure("countByQueue()", () => m.countByQueue());
  await measure("listResults(limit 50)", () => m.listResults({ limit: 50 }));
  await measure("workers()", () => m.workers());
  await measure("throughput(30)", () => m.throughput(30));
  await measure("countByStatus({ task task00 })", () => m.countByStatus({ taskNames: ["task00"] }));
  await measure("countByStatus({ since 1 day })", () => m.countByStatus({ since: new Date(NOW - DAY) }));
  await measure("countByStatus({ since 7 days })", () => m.countByStatus({ since: new Date(NOW - 7 * DAY) }));
  const some = page1.results[5]?.id as string;
  await measure("findByIdPrefix(full id)", () => m.findByIdPrefix(some, 6));
  await measure("findByIdFragment(short id: last 12)", () => m.findByIdFragment(some.slice(-12), 6), 5);
  await measure("errorGroups({})", () => m.errorGroups({}), 5);
  const all = { finishedBefore: new Date(NOW + DAY), failedFinishedBefore: new Date(NOW + DAY) };
  await measure("countPrunable(everything finished)", () => m.countPrunable(all), 5);
  store.close();

  say(`## Queries on ${fmtInt(ROWS)} finished + ${fmtInt(READY + RUNNING)} READY/RUNNING rows`);
  say();
  say("5 queues (55/25/12/7.9/0.1%), 30 tasks (~1/rank, one at 0.05%), 2% FAILED, 0.5% CANCELLED,");
  say(`over 30 days; one SqliteStore connection, ${runs} runs after 3 warm-ups (5 for the slow ones).`);
  say();
  say("| operation | median | p95 | max |");
  say("|---|---:|---:|---:|");
  for (const [label, t] of rows) say(`| ${label} | ${fmtMs(t.p50)} | ${fmtMs(t.p95)} | ${fmtMs(t.max)} |`);
  say();
}

// ------------------------------------------------------------------ (2b) the CLI end to end

/** Wall time of `tasks results` and `tasks watch --once` (process start to exit) on the big file. */
async function cliEndToEnd(path: string): Promise<void> {
  log("(2b) tasks results / watch --once end to end …");
  const config = join(dir, "tasks.config.ts");
  writeFileSync(
    config,
    `import { defineConfig } from "tasklane";\nexport default defineConfig({ backends: { default: { backend: "sqlite", queues: [], options: { path: ${JSON.stringify(path)} } } } });\n`,
  );
  const bin = join(import.meta.dirname, "..", "bin", "run.js");
  const run = (args: string[]) => {
    const start = performance.now();
    execFileSync(process.execPath, [bin, ...args, "--config", config], {
      stdio: "ignore",
      env: { ...process.env, CI: "true" },
    });
    return performance.now() - start;
  };
  const rows: [string, number[]][] = [
    ["`tasks results` (20 newest)", []],
    ["`tasks results --status failed`", []],
    ["`tasks watch --once`", []],
  ];
  run(["results"]); // warm the jiti cache and the page cache, as on a machine in use
  for (let i = 0; i < 7; i++) {
    rows[0]?.[1].push(run(["results"]));
    rows[1]?.[1].push(run(["results", "--status", "failed"]));
    rows[2]?.[1].push(run(["watch", "--once"]));
  }
  const best = rows[0]?.[1] ?? [];
  say(`## The CLI end to end on ${fmtInt(ROWS)} rows`);
  say();
  say("Wall time from spawning `node bin/run.js …` to its exit (7 runs after one warm-up), so it");
  say("includes Node, oclif and config start-up.");
  say();
  say("| command | median | max |");
  say("|---|---:|---:|");
  for (const [label, times] of rows)
    say(`| ${label} | ${fmtMs(percentile(times, 50))} | ${fmtMs(Math.max(...times))} |`);
  say();
  const median = percentile(best, 50);
  say(
    `- **Target:** \`tasks results\` on 1M rows ≤ 300 ms end to end — measured ${fmtMs(median)}: **${median <= 300 ? "PASS" : "MISS"}**`,
  );
  say();
}

// ------------------------------------------------------------------ (3) prune under load

async function pruneUnderLoad(path: string): Promise<void> {
  log("(3) prune of every finished row while a peer process enqueues every ~10 ms …");
  const child = fork(import.meta.filename, ["enqueuer", path], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const messages: unknown[] = [];
  const waitFor = (test: (msg: unknown) => boolean) =>
    new Promise<unknown>((resolve, reject) => {
      const seen = messages.find(test);
      if (seen) return resolve(seen);
      child.on("message", (msg) => (test(msg) ? resolve(msg) : undefined));
      child.on("exit", (code) => reject(new Error(`enqueuer exited with ${code}`)));
    });
  child.on("message", (msg) => messages.push(msg));
  await waitFor((msg) => msg === "ready");
  await sleep(500); // a few undisturbed enqueues first

  const store = new SqliteStore({ path, alias: "default" });
  const m = new SqliteManagement(store);
  const options = { finishedBefore: new Date(NOW + DAY), failedFinishedBefore: new Date(NOW + DAY) };
  let batches = 0;
  let lastReport = 0;
  const start = performance.now();
  const deleted = await m.prune({
    ...options,
    onProgress: (done, total) => {
      batches++;
      if (performance.now() - lastReport > 2000) {
        lastReport = performance.now();
        log(`    ${fmtInt(done)} / ${fmtInt(total)}`);
      }
    },
  });
  const ms = performance.now() - start;
  await sleep(300);
  child.send("stop");
  const { durations } = (await waitFor((msg) => typeof msg === "object" && msg !== null)) as { durations: number[] };
  const counts = await m.countByStatus();
  store.close();

  say("## Prune under load");
  say();
  say(`Deletes every finished row (batches of 2000, each its own BEGIN IMMEDIATE transaction) while`);
  say("another process enqueues one task every ~10 ms as `task.enqueue()` does (the sqlite backend's group");
  say("commit, which waits for the lock asynchronously; busy timeout 5 s).");
  say();
  say("| figure | value |");
  say("|---|---:|");
  say(`| rows deleted | ${fmtInt(deleted)} in ${fmtInt(batches - 1)} batches |`);
  say(`| prune time | ${fmtMs(ms)} (${fmtInt((deleted * 1000) / ms)} rows/s) |`);
  say(`| peer enqueues during the run | ${fmtInt(durations.length)} |`);
  say(`| enqueue median / p99 | ${fmtMs(percentile(durations, 50))} / ${fmtMs(percentile(durations, 99))} |`);
  say(`| **longest single enqueue (stall)** | ${fmtMs(Math.max(...durations))} |`);
  say(`| left: READY / RUNNING | ${fmtInt(counts.READY)} / ${fmtInt(counts.RUNNING)} |`);
  say();
}

try {
  say(`# Management benchmarks (${new Date(NOW).toISOString().replace(/\.\d+Z$/, "Z")})`);
  say();
  await insertCost();
  const path = join(dir, "million.sqlite3");
  const t0 = performance.now();
  build(path);
  log(`    built in ${fmtMs(performance.now() - t0)}`);
  await queries(path);
  await cliEndToEnd(path);
  await pruneUnderLoad(path);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${out.join("\n")}\n`);
