import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { SqliteBackend } from "../../src/backends/sqlite/backend.js";
import { SqliteStore } from "../../src/backends/sqlite/store.js";
import type { WorkerEvent } from "../../src/contract/events.js";
import type { WorkerStore } from "../../src/contract/worker-store.js";
import { RunningWorker, runResolvedWorker } from "../../src/worker/run-worker.js";
import { ALL, openStore, record, tempDir } from "../backends/sqlite/helpers.js";

// The worker's heartbeat tick extends its own leases, then takes back the tasks of workers whose
// leases ran out. Here every beat fails (the store is real; only its heartbeat is made to throw,
// as sqlite's does when a beat has waited a whole lease for another process's lock): the recovery
// must still run.

/** A real SQLite backend whose worker store's heartbeat always throws. */
class FailingBeats extends SqliteBackend {
  override workerStore(): WorkerStore {
    const real = super.workerStore();
    return new Proxy(real, {
      get(target, name) {
        if (name === "heartbeat") return async () => Promise.reject(new Error("heartbeat thread: database is locked"));
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }
}

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

it("a failing heartbeat still lets each tick take back a dead worker's task", async () => {
  const path = join(dir, "tasks.sqlite3");
  // A worker on another host claims a task and is never heard from again (lease 300 ms).
  const gone = new SqliteStore({ path, alias: "default", leaseMs: 300 });
  const [lost] = gone.insert([record({ queueName: "lost" })]);
  gone.registerWorker({ id: "gone", hostname: "elsewhere", pid: 1, queues: "*", startedAt: new Date() });
  expect(gone.claim("gone", ALL, 1).map((r) => r.id)).toEqual([lost?.id]);
  gone.close();

  const backend = new FailingBeats({ alias: "default", queues: [], options: { path, leaseMs: 300, heartbeatMs: 50 } });
  const events: WorkerEvent[] = [];
  let recovered: (ids: string[]) => void = () => {};
  const recovery = new Promise<string[]>((resolve) => {
    recovered = resolve;
  });
  const worker = new RunningWorker((self) =>
    runResolvedWorker(self, {
      backend,
      tasks: new Map(),
      registry: "tasks.config.ts",
      ownsProcess: false,
      options: {
        workerId: "survivor",
        selector: { include: ["other"], exclude: [] }, // it never claims the lost task itself
        concurrency: 1,
        intervalMs: 100,
        batch: false,
        maxTasks: 0,
        startupDelay: false,
        heartbeatMs: 50,
      },
      onEvent: (event) => {
        events.push(event);
        if (event.type === "recovered") recovered(event.tasks.map((t) => t.id));
      },
    }),
  );
  expect(await recovery).toEqual([lost?.id]);
  worker.stop();
  await worker;
  await backend.close();
  // The beats did fail, and each failure was reported rather than swallowed.
  const errors = events.flatMap((e) => (e.type === "error" ? [e.error.message] : []));
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.every((m) => m === "heartbeat thread: database is locked")).toBe(true);
  const after = openStore(path);
  expect(after.get(lost?.id as string)?.status).toBe("FAILED");
  after.close();
});
