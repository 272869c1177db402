import Database from "better-sqlite3";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  enqueue,
  makeProject,
  type Project,
  runBatchWorker,
  startWorker,
  type WorkerProcess,
} from "../helpers/project.js";

let project: Project;
beforeEach(async () => {
  project = await makeProject();
});
afterEach(async () => {
  await project.cleanup();
});

function statusCounts(p: Project): Record<string, number> {
  const db = new Database(`${p.dir}/db/tasks.sqlite3`, { readonly: true });
  const rows = db.prepare("SELECT status, count(*) AS n FROM tasklane_results GROUP BY status").all() as {
    status: string;
    n: number;
  }[];
  db.close();
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

async function stop(worker: WorkerProcess) {
  worker.proc.kill("SIGTERM");
  return worker.proc;
}

describe("crash recovery", () => {
  it("kill -9 mid-task, 20 times: every task ends SUCCEEDED or FAILED WorkerLost, never RUNNING, never in two workers at once", async () => {
    // heartbeatMs 200 / leaseMs 2000 (the project's config): a dead worker's task is taken back within ~2.2 s.
    // The survivor serves another queue, so it never races the victims for tasks; it only recovers.
    const survivor = startWorker(project, ["--queue", "slow"]);
    await survivor.waitFor((e) => e.event === "started");
    const kills = new Map<string, number>(); // victim pid → time of kill
    for (let i = 0; i < 20; i++) {
      await project.config.tasks.get("guarded")?.enqueueMany([[800], [800]]);
      const victim = startWorker(project, ["--concurrency", "2", "--queue", "default"]);
      await victim.waitFor((e) => e.event === "taskStarted");
      kills.set(String(victim.events.find((e) => e.event === "started")?.pid), Date.now());
      victim.proc.kill("SIGKILL");
      await victim.proc;
    }
    // The survivor takes back every lost task as its lease runs out…
    let seen = 0;
    while (statusCounts(project).RUNNING) {
      await survivor.waitFor((e) => e.event === "recovered" && survivor.events.indexOf(e) >= seen);
      seen = survivor.events.length;
    }
    // …and a last worker runs what was put back to READY.
    const drain = await runBatchWorker(project, ["--concurrency", "20", "--queue", "default"]);
    expect(drain.exitCode).toBe(0);
    expect((await stop(survivor)).exitCode).toBe(0);

    const counts = statusCounts(project);
    expect(counts.RUNNING ?? 0).toBe(0);
    expect(counts.READY ?? 0).toBe(0);
    expect((counts.SUCCEEDED ?? 0) + (counts.FAILED ?? 0)).toBe(40);
    expect(counts.FAILED ?? 0).toBeLessThan(40);
    const db = new Database(`${project.dir}/db/tasks.sqlite3`, { readonly: true });
    const failed = db.prepare("SELECT errors FROM tasklane_results WHERE status = 'FAILED'").all() as {
      errors: string;
    }[];
    db.close();
    for (const row of failed) expect(JSON.parse(row.errors).at(-1).exceptionClass).toBe("WorkerLost");
    expect(kills.size).toBe(20);

    // Run intervals per task: [start, end] or [start, kill time of its worker]; none may overlap.
    const intervals = new Map<string, [number, number][]>();
    const starts = new Map<string, { pid: string; at: number }>();
    for (const line of project.runs()) {
      const [id, what, pid, at] = line.split(" ") as [string, string, string, string];
      if (what === "start") starts.set(`${id}/${pid}`, { pid, at: Number(at) });
      if (what === "end") {
        const start = starts.get(`${id}/${pid}`);
        starts.delete(`${id}/${pid}`);
        if (start) intervals.set(id, [...(intervals.get(id) ?? []), [start.at, Number(at)]]);
      }
    }
    for (const [key, start] of starts) {
      const id = key.split("/")[0] as string;
      const killedAt = kills.get(start.pid);
      expect(killedAt, `an unfinished run must belong to a killed worker (${key})`).toBeDefined();
      intervals.set(id, [...(intervals.get(id) ?? []), [start.at, killedAt as number]]);
    }
    for (const [id, runs] of intervals) {
      runs.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < runs.length; i++) {
        expect((runs[i] as [number, number])[0], `task ${id} ran twice at once`).toBeGreaterThanOrEqual(
          (runs[i - 1] as [number, number])[1],
        );
      }
    }
    // ~25 s on an idle 2-core machine (20 worker start-ups); the margin is for a loaded CI box.
  }, 120_000);

  it("a worker restarting with the same --worker-id recovers its own leftovers at once", async () => {
    const first = startWorker(project, ["--worker-id", "same-worker"]);
    const long = await enqueue(project, "guarded", [60_000]);
    await first.waitFor((e) => e.event === "taskStarted" && e.id === long.id);
    first.proc.kill("SIGKILL");
    await first.proc;
    const again = startWorker(project, ["--worker-id", "same-worker", "--interval", "60"]);
    const recovered = await again.waitFor((e) => e.event === "recovered");
    expect(recovered.tasks).toEqual([{ id: long.id, status: "READY" }]);
    await again.waitFor((e) => e.event === "taskStarted" && e.id === long.id);
    again.proc.kill("SIGKILL");
    await again.proc;
  });
});

describe("leases under a blocked event loop", () => {
  it("a task that blocks its worker longer than leaseMs is not recovered while it runs", async () => {
    // leaseMs 2000, heartbeatMs 200: the blocked worker stops beating, but holds its liveness lock.
    const other = startWorker(project, ["--queue", "slow"]);
    await other.waitFor((e) => e.event === "started");
    const worker = startWorker(project, ["--queue", "default"]);
    await worker.waitFor((e) => e.event === "started");
    const blocked = await enqueue(project, "blockFor", [4000]);
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === blocked.id);
    for (const exited of await Promise.all([stop(worker), stop(other)])) expect(exited.exitCode).toBe(0);
    await blocked.refresh();
    expect(blocked.status).toBe("SUCCEEDED");
    expect(blocked.attempts).toBe(1);
    expect(blocked.errors).toEqual([]);
    expect([...worker.events, ...other.events].filter((e) => e.event === "recovered")).toEqual([]);
  });
});

describe("retries", () => {
  it("fails twice then succeeds with maxAttempts 3: 3 attempts, 2 errors, backoff respected", async () => {
    const worker = startWorker(project);
    const result = await enqueue(project, "flakyThrice");
    await worker.waitFor((e) => e.event === "taskFinished" && e.id === result.id && e.status === "SUCCEEDED");
    await stop(worker);
    await result.refresh();
    expect(result.status).toBe("SUCCEEDED");
    expect(result.attempts).toBe(3);
    expect(result.errors.map((e) => e.message)).toEqual(["attempt 1 failed", "attempt 2 failed"]);
    expect(result.returnValue).toBe("ok on attempt 3");
    const times = project.runs().map((l) => Number(l.split(" ")[3]));
    expect(times).toHaveLength(3);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(300);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(300);
  });
});

describe("signals during claims", () => {
  it("a SIGTERM arriving while a worker claims leaves no task RUNNING after it exits", async () => {
    const noop = project.config.tasks.get("noop");
    for (let i = 0; i < 8; i++) {
      await noop?.enqueueMany(Array.from({ length: 2000 }, () => []));
      const worker = startWorker(project, ["--concurrency", "50"]);
      await worker.waitFor((e) => e.event === "taskStarted");
      // Land the signal at a different point of the claim/complete cycle each round.
      await new Promise((resolve) => setTimeout(resolve, i * 7));
      worker.proc.kill(i % 2 === 0 ? "SIGTERM" : "SIGINT");
      expect((await worker.proc).exitCode).toBe(0);
      expect(statusCounts(project).RUNNING ?? 0).toBe(0);
    }
  });
});

describe("many processes", () => {
  it("4 workers and 2 enqueuers over 20k tasks: each runs exactly once, no errors surface", async () => {
    const workers = [1, 2, 3, 4].map(() => startWorker(project, ["--concurrency", "25"]));
    await Promise.all(workers.map((w) => w.waitFor((e) => e.event === "started")));
    const script = `
      const { loadConfig } = await import(${JSON.stringify(new URL("../../src/config/load.ts", import.meta.url).pathname)});
      const config = await loadConfig({ explicit: process.argv[1] });
      const record = config.tasks.get("record");
      for (let i = 0; i < 100; i++) await record.enqueueMany(Array.from({ length: 100 }, (_, j) => [process.pid + "-" + i + "-" + j]));
      await config.close();
    `;
    const enqueuers = [1, 2].map(() =>
      execa("node", ["--import", "tsx", "--input-type=module", "-e", script, project.configPath], {
        reject: false,
        env: { TASKLANE_TEST_DIR: project.dir },
      }),
    );
    for (const run of await Promise.all(enqueuers)) expect(run.stderr).toBe("");
    while ((statusCounts(project).SUCCEEDED ?? 0) < 20_000) {
      await Promise.race(workers.map((w) => w.waitFor((e) => e.event === "taskFinished" && Math.random() < 0.01)));
    }
    const results = await Promise.all(workers.map(stop));
    for (const run of results) {
      expect({ code: run.exitCode, signal: run.signal, stderr: run.stderr }).toEqual({
        code: 0,
        signal: undefined,
        stderr: "",
      });
      expect(run.stderr).toBe("");
    }
    for (const w of workers) expect(w.events.filter((e) => e.event === "error").map((e) => e.message)).toEqual([]);
    const counts = new Map<string, number>();
    for (const line of project.runs())
      counts.set(line.split(" ")[0] as string, (counts.get(line.split(" ")[0] as string) ?? 0) + 1);
    expect(counts.size).toBe(20_000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(statusCounts(project)).toEqual({ SUCCEEDED: 20_000 });
  });
});
