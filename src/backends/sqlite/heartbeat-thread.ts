import { parentPort, workerData } from "node:worker_threads";
import { SqliteStore } from "./store.js";

/**
 * Runs in a worker thread of `tasks worker`: heartbeats on its own connection, so a task that
 * blocks the main event loop (a long synchronous computation) does not silence its worker and
 * let another worker recover, and run again, a task that is still running. The thread dies
 * with the process, so a crashed worker still stops heartbeating at once.
 */
interface HeartbeatData {
  path: string;
  alias: string;
  workerId: string;
  leaseMs: number;
  heartbeatMs: number;
  busyTimeoutMs: number;
}

const data = workerData as HeartbeatData;
const store = new SqliteStore({
  path: data.path,
  alias: data.alias,
  leaseMs: data.leaseMs,
  busyTimeoutMs: data.busyTimeoutMs,
});
const beat = () => {
  try {
    store.heartbeat(data.workerId);
  } catch (error) {
    // A locked database (past the busy timeout) or a full disk: report it, try at the next beat.
    parentPort?.postMessage({ error: (error as Error).message });
  }
};
const timer = setInterval(beat, data.heartbeatMs);
parentPort?.on("message", (message) => {
  if (message !== "stop") return;
  clearInterval(timer);
  store.close();
  parentPort?.close();
});
parentPort?.postMessage({ ready: true });
