import { parentPort, workerData } from "node:worker_threads";
import { heartbeatWriter } from "./beat.js";
import { checkpointOnNudge } from "./checkpoints.js";
import { LockOutages } from "./lock-outages.js";
import { openDatabase } from "./open.js";
import { Statements } from "./statements.js";
import { isBusy, isDiskFull, storageError } from "./storage-errors.js";

/**
 * Runs in a worker thread of `tasks worker`: heartbeats on its own connection, so a task that
 * blocks the main event loop (a long synchronous computation) does not silence its worker and
 * let another worker recover, and run again, a task that is still running. The thread dies
 * with the process, so a crashed worker still stops heartbeating at once.
 *
 * Its connection waits for the write lock for up to a whole lease (blocking this thread only):
 * when another process holds the lock for long, the beat goes through the moment the lock is
 * free, and the time it waited is recorded (lock-outages.ts) so recovery does not count it.
 *
 * While the worker writes, it also runs checkpoints of the WAL ahead of the worker's own
 * (checkpoints.ts), so the worker's commits find little left to copy and flush.
 */
interface HeartbeatData {
  path: string;
  workerId: string;
  leaseMs: number;
  heartbeatMs: number;
  busyTimeoutMs: number;
  outages: SharedArrayBuffer;
  checkpoints: SharedArrayBuffer;
}

const data = workerData as HeartbeatData;
const outages = new LockOutages(data.outages);
const lockWaitMs = Math.max(data.busyTimeoutMs, data.leaseMs);
// mustExist: the worker's own connection made the file. Should the path name no file by the
// time this thread starts (deleted under the worker), a new empty one must not appear there:
// the worker finds the file gone on its next heartbeat (file-identity.ts).
const db = openDatabase(data.path, { busyTimeoutMs: lockWaitMs, mustExist: true });
const heartbeat = heartbeatWriter(db, new Statements(db), data.leaseMs);
const stopCheckpoints = checkpointOnNudge(db, data.checkpoints);
let stopped = false;
let timer: NodeJS.Timeout | undefined;

const beat = () => {
  outages.begin(Date.now());
  try {
    heartbeat(data.workerId, Date.now());
    outages.end(Date.now());
  } catch (error) {
    // A full disk stops every writer's beats, the holders' as much as this one's: like a lock,
    // that time must not count against anyone's lease, so the outage stays open until a beat
    // goes through again (a task ran twice when its holder's beats failed for a lease).
    if (!isDiskFull(error)) outages.end(Date.now());
    if (isBusy(error) && !stopped) {
      // Still locked after a whole lease: keep waiting (the outage keeps counting) and say so.
      parentPort?.postMessage({
        error: `heartbeats have waited ${lockWaitMs} ms for another process's write lock and keep waiting; the wait does not count against this worker's leases`,
      });
      timer = setTimeout(beat, 0);
      return;
    }
    // A full disk or a broken file: report it (worded as every other failure of the file is),
    // try at the next beat.
    const described = storageError(error, data.path);
    parentPort?.postMessage({
      error:
        described === error
          ? `heartbeat failed: ${(error as Error).message}; the next beat tries again`
          : (described as Error).message,
    });
  }
  if (!stopped) timer = setTimeout(beat, data.heartbeatMs);
};
timer = setTimeout(beat, data.heartbeatMs);
// Until this, a stop need not wait for the thread (heartbeats.ts): it has nothing to finish.
parentPort?.postMessage({ ready: true });
parentPort?.on("message", (message) => {
  if (message !== "stop") return;
  stopped = true;
  clearTimeout(timer);
  stopCheckpoints();
  db.close();
  parentPort?.close();
});
