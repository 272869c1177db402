import { afterEach, describe, expect, it } from "vitest";
import { mustRunRedis, provideRedis, redisAvailable } from "../../conformance/redis-server.js";
import { enqueue, runBatchWorker, startWorker, type WorkerProcess } from "../../helpers/project.js";
import { type RedisProject, redisProject } from "./redis-project.js";

// `tasks why ID` on Redis, through the built binary: the reasons the sqlite test checks, from
// what BullMQ holds (paused flag, active list, rate window, rank, job lock).

interface Answer {
  status: string;
  reasons: { code: string; summary: string; evidence: string[] }[];
}

const opened: RedisProject[] = [];
const workers: WorkerProcess[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.proc.kill("SIGKILL");
    await w.proc;
  }
  for (const made of opened.splice(0)) await made.cleanup();
});
async function project(options = ""): Promise<RedisProject> {
  const made = await redisProject(undefined, options);
  opened.push(made);
  return made;
}
function worker(r: RedisProject, args: string[] = []): WorkerProcess {
  const w = startWorker(r.p, args);
  workers.push(w);
  return w;
}
async function why(r: RedisProject, id: string): Promise<Answer> {
  const run = await r.cli(["why", id, "--json"]);
  expect(run.exitCode, String(run.stderr)).toBe(0);
  return JSON.parse(String(run.stdout)) as Answer;
}
const codes = async (r: RedisProject, id: string) => (await why(r, id)).reasons.map((x) => x.code);

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("tasks why on redis", () => {
    it("scheduled, and a retry's backoff", async () => {
      const r = await project();
      const later = await enqueue(r.p, "noop", [], { runAfter: new Date(Date.now() + 600_000) });
      const failing = await enqueue(r.p, "backsOff");
      expect((await runBatchWorker(r.p)).exitCode).toBe(0);
      expect(await codes(r, later.id)).toEqual(["scheduled", "no-worker"]);
      const backoff = await why(r, failing.id);
      expect(backoff.reasons.map((x) => x.code)).toEqual(["retry-backoff", "no-worker"]);
      expect(backoff.reasons[0]?.evidence[0]).toMatch(/attempt 1 of 3 failed: Error: upstream down/);
    });

    it("a paused queue (since when), and no live worker", async () => {
      const r = await project();
      expect((await r.cli(["pause", "emails"])).exitCode).toBe(0);
      const email = await enqueue(r.p, "emails", ["ada@example.com"]);
      const answer = await why(r, email.id);
      expect(answer.reasons.map((x) => x.code)).toEqual(["paused", "no-worker"]);
      expect(answer.reasons[0]?.summary).toMatch(/^queue "emails" is paused since (just now|\d+s ago)/);
    });

    it("a queue at its concurrency limit, naming who holds the slot; then running, with its lease", async () => {
      const r = await project();
      const w = worker(r, ["--queue", "*", "--concurrency", "5"]);
      const holding = await enqueue(r.p, "slowSleep", [20_000]);
      await w.waitFor((e) => e.event === "taskStarted" && e.id === holding.id);
      const waiting = await enqueue(r.p, "slowSleep", [10]);
      const slow = await why(r, waiting.id);
      expect(slow.reasons.map((x) => x.code)).toEqual(["queue-concurrency"]);
      expect(slow.reasons[0]?.summary).toBe('queue "slow" is at its concurrency limit: 1 of 1 running');
      expect(slow.reasons[0]?.evidence[0]).toMatch(new RegExp(`^running: ${holding.id} \\(worker \\S+\\)$`));
      const running = await why(r, holding.id);
      expect(running.reasons.map((x) => x.code)).toEqual(["running"]);
      expect(running.reasons[0]?.evidence.join("\n")).toMatch(/its lease expires in \d+[smh]/);
    });

    it("a queue that used its rate window, with when the next one opens", async () => {
      const r = await project();
      const w = worker(r, ["--queue", "rated"]);
      const first = await enqueue(r.p, "ratedNoop");
      await w.waitFor((e) => e.event === "taskFinished" && e.id === first.id);
      const second = await enqueue(r.p, "ratedNoop");
      const answer = await why(r, second.id);
      expect(answer.reasons.map((x) => x.code)).toEqual(["queue-rate"]);
      expect(answer.reasons[0]?.summary).toBe('queue "rated" used its 1 starts per 60000 ms');
      expect(answer.reasons[0]?.evidence[0]).toMatch(/^the next window opens in \d+[smh]$/);
    });

    it("its worker gone: the lease (BullMQ's job lock) it waits out", async () => {
      const r = await project(", lockDurationMs: 20000");
      const w = worker(r);
      const long = await enqueue(r.p, "sleep", [30_000]);
      await w.waitFor((e) => e.event === "taskStarted" && e.id === long.id);
      w.proc.kill("SIGKILL");
      await w.proc;
      // heartbeatMs is 200: silent for three heartbeats, the registry reads the worker dead.
      const manage = (await r.p.config.getBackend("default")).management();
      while ((await manage?.workers())?.[0]?.state !== "dead") await new Promise((resolve) => setTimeout(resolve, 100));
      const gone = await why(r, long.id);
      expect(gone.reasons.map((x) => x.code)).toEqual(["holder-gone"]);
      expect(gone.reasons[0]?.evidence.join("\n")).toMatch(/its lease expires in \d+[smh]/);
    });

    it("in line behind other due tasks (priority first, then age), or next", async () => {
      const r = await project();
      const w = worker(r, ["--queue", "default"]);
      const busy = await enqueue(r.p, "sleep", [20_000]);
      await w.waitFor((e) => e.event === "taskStarted" && e.id === busy.id);
      const first = await enqueue(r.p, "noop");
      const second = await enqueue(r.p, "noop");
      const urgent = await enqueue(r.p, "noop", [], { priority: 5 });
      expect(await codes(r, urgent.id)).toEqual(["next"]);
      const behind = await why(r, second.id);
      expect(behind.reasons.map((x) => x.code)).toEqual(["in-line"]);
      expect(behind.reasons[0]?.summary).toMatch(/2 due task\(s\) of queue "default" come first/);
      expect((await why(r, first.id)).reasons[0]?.summary).toMatch(/1 due task\(s\) of queue "default" come first/);
    });
  });
}
