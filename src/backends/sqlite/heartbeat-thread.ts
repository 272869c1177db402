import { parentPort, workerData } from "node:worker_threads";
import { LockOutages } from "./lock-outages.js";
import { isBusy } from "./storage-errors.js";
import { SqliteStore } from "./store.js";

/**
 * Runs in a worker thread of `tasks worker`: heartbeats on its own connection, so a task that
 * blocks the main event loop (a long synchronous computation) does not silence its worker and
 * let another worker recover, and run again, a task that is still running. The thread dies
 * with the process, so a crashed worker still stops heartbeating at once.
 *
 * Its connection waits for the write lock for up to a whole lease (blocking this thread only):
 * when another process holds the lock for long, the beat goes through the moment the lock is
 * free, and the time it waited is recorded (lock-outages.ts) so recovery does not count it.
 */
interface HeartbeatData {
  path: string;
  alias: string;
  workerId: string;
  leaseMs: number;
  heartbeatMs: number;
  busyTimeoutMs: number;
  outages: SharedArrayBuffer;
}

const data = workerData as HeartbeatData;
const outages = new LockOutages(data.outages);
const store = new SqliteStore({
  path: data.path,
  alias: data.alias,
  leaseMs: data.leaseMs,
  busyTimeoutMs: Math.max(data.busyTimeoutMs, data.leaseMs),
});
let stopped = false;
let timer: NodeJS.Timeout | undefined;

const beat = () => {
  outages.begin(Date.now());
  try {
    store.heartbeat(data.workerId);
    outages.end(Date.now());
  } catch (error) {
    outages.end(Date.now());
    if (isBusy(error) && !stopped) {
      // Still locked after a whole lease: keep waiting (the outage keeps counting) and say so.
      parentPort?.postMessage({ error: (error as Error).message });
      timer = setTimeout(beat, 0);
      return;
    }
    // A full disk or a broken file: report it, try at the next beat.
    parentPort?.postMessage({ error: (error as Error).message });
  }
  if (!stopped) timer = setTimeout(beat, data.heartbeatMs);
};
timer = setTimeout(beat, data.heartbeatMs);
parentPort?.on("message", (message) => {
  if (message !== "stop") return;
  stopped = true;
  clearTimeout(timer);
  store.close();
  parentPort?.close();
});
parentPort?.postMessage({ ready: true });
