import { readdirSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqliteBackend } from "../../../src/backends/sqlite/backend.js";
import { holdLiveness, probeLiveness } from "../../../src/backends/sqlite/liveness.js";
import { reasonsFor } from "../../../src/cli/why.js";
import type { Diagnosis } from "../../../src/contract/diagnosis.js";
import type { RecoveryPlan } from "../../../src/contract/worker-store.js";
import { ALL, FIXTURES, openBackend, ROOT, record, tempDir } from "./helpers.js";

// A worker's liveness lock (liveness.ts): held by a real child process whose event loop is
// blocked, probed from this one, then freed by kill -9.

const LEASE_MS = 300;
/** Recovery's rule for a lost attempt: try again now (the task has attempts left). */
const AGAIN: RecoveryPlan = () => new Date();

let dir: string;
let cleanup: () => void;
let dbPath: string;
let backend: SqliteBackend;
let child: ResultPromise | null = null;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  dbPath = join(dir, "tasks.sqlite3");
  backend = openBackend(dbPath, "default", { leaseMs: LEASE_MS });
});

afterEach(async () => {
  child?.kill("SIGKILL");
  await child?.catch(() => {});
  child = null;
  await backend.close();
  cleanup();
});

/** Starts the blocked worker (fixtures/blocked-worker.ts) and resolves with the ids it claimed. */
async function blockedWorker(workerId: string): Promise<string[]> {
  child = execa("node", ["--import", "tsx", join(FIXTURES, "blocked-worker.ts"), dbPath, workerId, String(LEASE_MS)], {
    cwd: ROOT,
  });
  const line = await new Promise<string>((resolve, reject) => {
    child?.stdout?.once("data", (chunk: Buffer) => resolve(String(chunk)));
    child?.catch(reject);
  });
  return line
    .trim()
    .replace(/^claimed /, "")
    .split(",");
}

/** The registry's view of one worker. */
function workerState(id: string): { state: string; started_at: number } {
  return backend.store.db.prepare("SELECT state, started_at FROM tasklane_workers WHERE id = ?").get(id) as {
    state: string;
    started_at: number;
  };
}

/** Resolves once `ms` have passed on the wall clock (a lease running out is a matter of time). */
const past = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a worker's liveness lock", () => {
  it("held by a process whose event loop is blocked: probed alive; after kill -9, gone and its file removed", async () => {
    backend.store.insert([record()]);
    await blockedWorker("blocked");
    const { started_at } = workerState("blocked");
    expect(probeLiveness(dbPath, "blocked", started_at)).toBe("alive");
    child?.kill("SIGKILL");
    await child?.catch(() => {});
    child = null;
    expect(probeLiveness(dbPath, "blocked", started_at)).toBe("gone");
    // Its file is removed, and nothing else was left beside it (no -journal).
    expect(readdirSync(`${dbPath}-workers`)).toEqual([]);
    // No lock file: nothing says it lives, the lease decides.
    expect(probeLiveness(dbPath, "blocked", started_at)).toBe("unknown");
  });

  it("held in this process: alive to a probe from here too; a clean release removes its file", () => {
    const hold = holdLiveness(dbPath, "here", 1);
    expect(hold).not.toBeNull();
    expect(probeLiveness(dbPath, "here", 1)).toBe("alive");
    // Another registration of the same id (a restart) has a lock of its own.
    expect(probeLiveness(dbPath, "here", 2)).toBe("unknown");
    hold?.release();
    expect(readdirSync(`${dbPath}-workers`)).toEqual([]);
    expect(probeLiveness(dbPath, "here", 1)).toBe("unknown");
  });
});

describe("lease recovery", () => {
  it("leaves a silent worker's expired task alone while it holds its lock, and takes it back once it is killed", async () => {
    const [stored] = backend.store.insert([record({ maxAttempts: 2 })]);
    const [claimed] = await blockedWorker("blocked");
    expect(claimed).toBe(stored?.id);
    const peer = backend.workerStore();
    // Two leases and more without a beat: by its lease alone, the worker is dead.
    await past(2 * LEASE_MS + 200);
    expect(await peer.recover("peer", false, AGAIN)).toEqual([]);
    expect(workerState("blocked").state).toBe("running");
    // What an operator sees: the worker alive (not "dead" for its silence), and why the task stays.
    const manage = backend.management();
    expect((await manage.workers()).map((w) => [w.id, w.state])).toEqual([["blocked", "running"]]);
    const diagnosis = await manage.diagnose?.(claimed as string);
    const running = reasonsFor(diagnosis as Diagnosis, new Set(["t"])).find((r) => r.code === "running");
    expect(running?.evidence.join("\n")).toMatch(/alive though silent .* not taken back while it runs/);
    expect(backend.store.db.prepare("SELECT status FROM tasklane_results WHERE id = ?").get(claimed)).toEqual({
      status: "RUNNING",
    });
    child?.kill("SIGKILL");
    await child?.catch(() => {});
    child = null;
    expect((await manage.workers()).map((w) => [w.id, w.state])).toEqual([["blocked", "dead"]]);
    expect(await peer.recover("peer", false, AGAIN)).toEqual([{ id: claimed, status: "READY" }]);
    expect(workerState("blocked").state).toBe("dead");
    const { claimed: again } = await peer.claim("peer", ALL, 1);
    expect(again.map((task) => [task.id, task.workerIds, task.errors.map((e) => e.exceptionClass)])).toEqual([
      [claimed, ["blocked", "peer"], ["WorkerLost"]],
    ]);
  });

  it("takes back a stopped worker's task (SIGSTOP: it holds its lock but may never run again), as its lease says", async () => {
    const [stored] = backend.store.insert([record({ maxAttempts: 2 })]);
    const [claimed] = await blockedWorker("stopped");
    expect(claimed).toBe(stored?.id);
    child?.kill("SIGSTOP");
    const { started_at } = workerState("stopped");
    expect(probeLiveness(dbPath, "stopped", started_at)).toBe("alive");
    await past(2 * LEASE_MS + 200);
    expect(await backend.workerStore().recover("peer", false, AGAIN)).toEqual([{ id: claimed, status: "READY" }]);
    expect(workerState("stopped").state).toBe("dead");
  });
});
