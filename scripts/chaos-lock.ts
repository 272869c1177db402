// Long write locks held by another process, the long version (`npm run chaos:lock`; the test
// suite runs one of each in test/worker/long-lock.test.ts). Each round: two live workers
// (leaseMs 2000, heartbeatMs 200) each run a 14 s task while another process first holds the
// write lock for 6 s (3 × leaseMs), then stores one enqueueMany of 400,000 tasks. Passes when no
// round recovered a live worker's task: no `recovered` event, every task SUCCEEDED after one
// attempt with no error, each started once. CHAOS_ROUNDS (default 10), CHAOS_BULK (400,000).
import { join } from "node:path";
import { execa } from "execa";
import { enqueue, makeProject, PROJECT_CONFIG, startWorker, type WorkerProcess } from "../test/helpers/project.js";

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 10);
const BULK = Number(process.env.CHAOS_BULK ?? 400_000);
const LEASE_MS = 2000;
const TASK_MS = 14_000;
const ROOT = join(import.meta.dirname, "..");
const FIXTURES = join(ROOT, "test/worker/fixtures");
const CONFIG = PROJECT_CONFIG.replace("heartbeatMs: 200, leaseMs: 2000", `heartbeatMs: 200, leaseMs: ${LEASE_MS}`);

interface Round {
  recovered: number;
  lost: number;
  startedTwice: number;
  lockMs: number;
  bulkMs: number;
}

async function round(): Promise<Round> {
  const project = await makeProject(CONFIG);
  const workers: WorkerProcess[] = [];
  try {
    const tasks = [];
    for (const name of ["lock-a", "lock-b"]) {
      const worker = startWorker(project, ["--queue", "slow", "--worker-id", name]);
      workers.push(worker);
      await worker.waitFor((e) => e.event === "started");
      const result = await enqueue(project, "guarded", [TASK_MS], { queueName: "slow" });
      await worker.waitFor((e) => e.event === "taskStarted" && e.id === result.id);
      tasks.push(result);
    }
    const db = join(project.dir, "db/tasks.sqlite3");
    const lockStart = Date.now();
    await execa("node", [join(FIXTURES, "hold-lock.mjs"), db, String(3 * LEASE_MS)], { cwd: ROOT });
    const lockMs = Date.now() - lockStart;
    const bulk = await execa(
      "node",
      ["--import", "tsx", join(FIXTURES, "enqueue-many.ts"), project.configPath, String(BULK)],
      {
        cwd: ROOT,
        env: { TASKLANE_TEST_DIR: project.dir },
      },
    );
    const bulkMs = (JSON.parse(bulk.stdout) as { ms: number }).ms;
    for (const [i, worker] of workers.entries()) {
      await worker.waitFor((e) => e.event === "taskFinished" && e.id === tasks[i]?.id);
    }
    for (const worker of workers) worker.proc.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.proc));
    let lost = 0;
    let startedTwice = 0;
    for (const task of tasks) {
      await task.refresh();
      if (task.status !== "SUCCEEDED" || task.attempts !== 1 || task.errors.length > 0) lost++;
      if (project.runs().filter((line) => line.startsWith(`${task.id} start`)).length !== 1) startedTwice++;
    }
    const recovered = workers.flatMap((w) => w.events).filter((e) => e.event === "recovered").length;
    return { recovered, lost, startedTwice, lockMs, bulkMs };
  } finally {
    for (const worker of workers) worker.proc.kill("SIGKILL");
    await project.cleanup();
  }
}

const results: Round[] = [];
for (let i = 1; i <= ROUNDS; i++) {
  const r = await round();
  results.push(r);
  console.log(
    `round ${i}/${ROUNDS}: lock held ${r.lockMs} ms, enqueueMany of ${BULK.toLocaleString("en-US")} took ${r.bulkMs} ms; recovered ${r.recovered}, lost or retried ${r.lost}, started twice ${r.startedTwice}`,
  );
}
const bad = results.filter((r) => r.recovered + r.lost + r.startedTwice > 0).length;
console.log(`${ROUNDS - bad} of ${ROUNDS} rounds kept every live worker's task; ${bad} did not`);
process.exit(bad === 0 ? 0 : 1);
