import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

export interface HeartbeatThread {
  /**
   * True while the thread is starting or beating; false once it could not start or has died
   * (the worker then beats on its own event loop again).
   */
  readonly alive: boolean;
  stop(): Promise<void>;
}

interface HeartbeatSource {
  path: string;
  leaseMs: number;
  heartbeatMs: number;
  busyTimeoutMs: number;
  /** Where the thread records how long its beats waited for the lock (lock-outages.ts). */
  outages: SharedArrayBuffer;
  /** Nudges from the worker's writes: the thread checkpoints the WAL after each (checkpoints.ts). */
  checkpoints: SharedArrayBuffer;
}

/**
 * Starts the heartbeat thread (heartbeat-thread.ts) for a worker, or returns null when it
 * cannot run here (from TypeScript sources, where a worker thread has no loader): the worker
 * then heartbeats on its own event loop, as before.
 *
 * Not awaited: the thread takes ~50 ms to start (an isolate, better-sqlite3, a connection),
 * which the worker spends claiming instead. Its first beat is due a whole heartbeat period
 * after it starts, so nothing waits on it; if it fails to start, `alive` turns false and the
 * worker's next beat runs on its own loop, well within the lease.
 */
export function startHeartbeatThread(source: HeartbeatSource, workerId: string): HeartbeatThread | null {
  const script = fileURLToPath(new URL("./heartbeat-thread.js", import.meta.url));
  if (!existsSync(script)) return null;
  const thread = new Worker(script, {
    workerData: {
      path: source.path,
      workerId,
      leaseMs: source.leaseMs,
      heartbeatMs: source.heartbeatMs,
      busyTimeoutMs: source.busyTimeoutMs,
      outages: source.outages,
      checkpoints: source.checkpoints,
    },
  });
  // The thread must not keep a finished worker process alive.
  thread.unref();
  let alive = true;
  const exited = new Promise<void>((resolve) => {
    thread.once("exit", () => {
      alive = false;
      resolve();
    });
  });
  // A thread that throws (its file could not be opened, say) exits after this event.
  thread.on("error", () => {
    alive = false;
  });
  return {
    get alive() {
      return alive;
    },
    stop: async () => {
      if (!alive) return;
      // Referenced again while it closes its connection: otherwise a worker process with
      // nothing else to do would end before the thread exits (top-level await unsettled).
      // A "stop" sent while it is still starting waits in its port until it listens.
      thread.ref();
      thread.postMessage("stop");
      await exited;
    },
  };
}
