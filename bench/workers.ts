// (c) drain, (d) latency and idle CPU: real `tasks worker` processes, as users run them.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, loadProject, openRaw, project } from "./setup.js";
import { sleep } from "./stats.js";

interface WorkerProc {
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
  stderr(): string;
}

/**
 * Starts `node bin/run.js worker --config … ARGS`; stdout goes to `stdout` (a file path) or a
 * pipe; `env` is added to this process's environment.
 */
function startWorker(
  configPath: string,
  args: string[],
  stdout?: string,
  env: Record<string, string> = {},
): WorkerProc {
  const fd = stdout ? openSync(stdout, "w") : undefined;
  const child = spawn(process.execPath, [BIN, "worker", "--config", configPath, ...args], {
    stdio: ["ignore", fd ?? "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", TASKS_CONFIG: "", ...env },
  });
  if (fd !== undefined) closeSync(fd);
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, exited, stderr: () => err };
}

/** Rejects after `ms` (running `onTimeout` first) unless `promise` settles: no scenario hangs the bench. */
function within<T>(promise: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what} took longer than ${ms / 1000} s`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves when the worker prints its `--json` "started" event. */
function started(worker: WorkerProc): Promise<void> {
  const event = new Promise<void>((resolve, reject) => {
    let buffer = "";
    worker.child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      if (/"event":"started"/.test(buffer)) resolve();
    });
    void worker.exited.then((code) => reject(new Error(`worker exited (${code}) before starting: ${worker.stderr()}`)));
  });
  return within(event, 30_000, "worker start-up", () => worker.child.kill("SIGKILL"));
}

/** SIGTERM (graceful stop), SIGKILL if it has not exited 10 s later. */
async function stop(worker: WorkerProc): Promise<void> {
  worker.child.kill("SIGTERM");
  await within(worker.exited, 10_000, "worker stop", () => worker.child.kill("SIGKILL"));
}

export interface DrainResult {
  ms: number;
  /** The largest peak RSS (VmHWM) among the worker processes, in bytes. */
  peakRss: number;
  /** Tasks each process finished (by worker id), from the DB's worker_ids. */
  perWorker: number[];
  /** Spawn → first "started" event, slowest process (node + oclif + config load). */
  startupMs: number;
  /** The project's first `worker --batch` (nothing to do; its TS config not yet compiled): spawn → exit, and peak RSS. */
  firstStart: { ms: number; peakRss: number };
}

/** `tasks worker --batch` with nothing to do: spawn → exit and its peak RSS. */
async function emptyStart(configPath: string): Promise<{ ms: number; peakRss: number }> {
  const start = performance.now();
  const worker = startWorker(configPath, ["--batch", "--no-startup-delay"]);
  worker.child.stdout?.resume();
  const peak = watchPeak([worker.child.pid as number], worker.exited);
  const code = await within(worker.exited, 60_000, "first start", () => worker.child.kill("SIGKILL"));
  const ms = performance.now() - start;
  if (code !== 0) throw new Error(`first start exited ${code}: ${worker.stderr()}`);
  return { ms, peakRss: await peak };
}

/** A process's peak resident set so far (VmHWM, bytes), or 0 once it is gone. */
export function peakRssOf(pid: number): number {
  try {
    const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return line ? Number(line[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples the processes' VmHWM every 20 ms until `done` settles; returns the largest seen. */
async function watchPeak(pids: number[], done: Promise<unknown>): Promise<number> {
  let peak = 0;
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  while (!finished) {
    for (const pid of pids) peak = Math.max(peak, peakRssOf(pid));
    await sleep(20);
  }
  return peak;
}

/**
 * (c) Spawns `processes` × `tasks worker --batch --no-startup-delay --concurrency N --json`
 * (with `env` added to their environment) on a copy of a pre-filled file and times spawn →
 * every process exited.
 */
export async function tasklaneDrain(
  dbTemplate: Buffer,
  processes: number,
  expected: number,
  concurrency = 50,
  env: Record<string, string> = {},
): Promise<DrainResult> {
  const p = project(`drain${processes}`);
  // A first start compiles the TypeScript config (jiti caches it, as it does for any worker
  // restarted on the same machine): measured apart, on an empty file, before the timed drain.
  const firstStart = await emptyStart(p.configPath);
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${p.dbPath}${suffix}`, { force: true });
  writeFileSync(p.dbPath, dbTemplate);
  const args = ["--batch", "--no-startup-delay", "--concurrency", String(concurrency), "--json"];
  const logs = Array.from({ length: processes }, (_, i) => join(p.dir, `worker-${i}.log`));
  const spawnedAt = Date.now();
  const start = performance.now();
  const workers = logs.map((log, i) => startWorker(p.configPath, [...args, "--worker-id", `bench-${i}`], log, env));
  const all = Promise.all(workers.map((w) => w.exited));
  const peak = watchPeak(
    workers.map((w) => w.child.pid as number),
    all,
  );
  const codes = await within(all, 600_000, "drain", () => {
    for (const w of workers) w.child.kill("SIGKILL");
  });
  const ms = performance.now() - start;
  const peakRss = await peak;
  codes.forEach((code, i) => {
    if (code !== 0) throw new Error(`drain worker ${i} exited ${code}: ${workers[i]?.stderr()}`);
  });

  const db = openRaw(p.dbPath);
  const counts = db
    .prepare(
      "SELECT json_extract(worker_ids, '$[0]') AS w, count(*) AS n FROM tasklane_results WHERE status = 'SUCCEEDED' GROUP BY w",
    )
    .all() as { w: string; n: number }[];
  db.close();
  const perWorker = workers.map((_, i) => counts.find((c) => c.w === `bench-${i}`)?.n ?? 0);
  const total = perWorker.reduce((a, b) => a + b, 0);
  if (total !== expected) throw new Error(`drain: ${total} of ${expected} tasks SUCCEEDED`);
  // The first line of each log is the "started" event.
  const startupMs = Math.max(
    ...logs.map((log) => {
      const first = JSON.parse(readFileSync(log, "utf8").split("\n", 1)[0] ?? "{}") as { ts?: string };
      return first.ts ? Date.parse(first.ts) - spawnedAt : Number.NaN;
    }),
  );
  return { ms, perWorker, startupMs, peakRss, firstStart };
}

/** How long a thread was runnable but not running, and how often it was switched out so. */
export interface Sched {
  /** Time spent waiting in the run queue, ms (field 2 of /proc/PID/task/TID/schedstat). */
  waitMs: number;
  /** Involuntary context switches (nonvoluntary_ctxt_switches in /proc/PID/task/TID/status). */
  switches: number;
}

/** A process's main thread's scheduling counters so far; null where /proc does not give them (not Linux). */
function mainThreadSched(pid: number): Sched | null {
  try {
    const waitNs = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ")[1]);
    const status = readFileSync(`/proc/${pid}/task/${pid}/status`, "utf8");
    const switches = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(waitNs) && Number.isFinite(switches) ? { waitMs: waitNs / 1e6, switches } : null;
  } catch {
    return null;
  }
}

/** What a thread's counters grew by between two readings. */
const schedSince = (before: Sched | null, after: Sched | null): Sched | null =>
  before && after ? { waitMs: after.waitMs - before.waitMs, switches: after.switches - before.switches } : null;

/**
 * (d) An idle worker (`--concurrency 1`, default --interval) while this process enqueues
 * `count` tasks `gapMs` apart. Latency, as the peers' is measured: from just before the
 * enqueue call to the task function starting (the task returns that moment; both read the
 * machine's wall clock at sub-ms resolution). `recorded`: the row's started_at − enqueued_at
 * as the DB holds them (1 ms steps: the claim's stamp, after the enqueue's own). `sched`: over the
 * timed enqueues, how long the worker's main thread and this process's waited to run (Linux).
 */
export async function tasklaneLatency(
  count: number,
  gapMs: number,
): Promise<{
  latencies: number[];
  recorded: number[];
  sched: { worker: Sched | null; enqueuer: Sched | null };
}> {
  const p = project("latency");
  const worker = startWorker(p.configPath, ["--json", "--concurrency", "1", "--no-startup-delay"]);
  try {
    await started(worker);
    await sleep(1000); // past its first (empty) claim: asleep in waitForChange
    const { config, stamp } = await loadProject(p.configPath);
    if (!stamp) throw new Error(`${p.configPath}: no stamp task`);
    // Warm, as the peers are before their first sample (BullMQ's connections are open, plainjob's
    // queue has opened its file): this process's first enqueue opens the database and prepares
    // its statements (5–25 ms), which no later one pays. Untimed, and run before the loop starts.
    const warm = await stamp.enqueue(-1);
    await warm.wait({ timeoutMs: 30_000 });
    const calledAt = new Map<string, number>();
    const workerPid = worker.child.pid as number;
    const schedBefore = { worker: mainThreadSched(workerPid), enqueuer: mainThreadSched(process.pid) };
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const wait = t0 + i * gapMs - performance.now();
      if (wait > 0) await sleep(wait);
      const before = performance.timeOrigin + performance.now();
      calledAt.set((await stamp.enqueue(i)).id, before);
    }
    // The last task starts within ms of its enqueue; the few ms before this reading add nothing.
    const sched = {
      worker: schedSince(schedBefore.worker, mainThreadSched(workerPid)),
      enqueuer: schedSince(schedBefore.enqueuer, mainThreadSched(process.pid)),
    };
    await config.close();
    const db = openRaw(p.dbPath);
    const done = db.prepare("SELECT count(*) FROM tasklane_results WHERE status = 'SUCCEEDED'").pluck();
    const deadline = Date.now() + 30_000;
    while ((done.get() as number) < count + 1) {
      if (Date.now() > deadline) throw new Error(`latency: only ${String(done.get())} of ${count} finished`);
      await sleep(20);
    }
    const rows = db
      .prepare("SELECT id, return_value, started_at - enqueued_at AS recorded FROM tasklane_results ORDER BY seq")
      .all()
      .filter((row) => calledAt.has((row as { id: string }).id)) as {
      id: string;
      return_value: string;
      recorded: number;
    }[];
    db.close();
    return {
      latencies: rows.map((row) => (JSON.parse(row.return_value) as number) - (calledAt.get(row.id) ?? Number.NaN)),
      recorded: rows.map((row) => row.recorded),
      sched,
    };
  } finally {
    await stop(worker);
  }
}

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from #3 on
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * (d) CPU used by a worker with nothing to do, as fractions of one core, over two
 * consecutive windows of `seconds` starting 1 s after its "started" event: the first still
 * holds start-up's tail (V8 shrinks the start-up heap with a few full GCs ~8 s in), the
 * second is the steady idle state.
 */
export async function idleCpu(seconds: number): Promise<{ first: number; steady: number }> {
  const p = project("idle");
  const worker = startWorker(p.configPath, ["--json", "--no-startup-delay"]);
  try {
    await started(worker);
    await sleep(1000);
    const pid = worker.child.pid as number;
    const t0 = cpuTicks(pid);
    await sleep(seconds * 1000);
    const t1 = cpuTicks(pid);
    await sleep(seconds * 1000);
    const t2 = cpuTicks(pid);
    const share = (ticks: number) => ticks / 100 / seconds; // 100 ticks per second (getconf CLK_TCK)
    return { first: share(t1 - t0), steady: share(t2 - t1) };
  } finally {
    await stop(worker);
  }
}
