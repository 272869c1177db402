import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { OWN_CODE } from "../../core/own-files.js";

export interface HeartbeatThread {
  /**
   * True while the thread is starting or beating; false once it could not start or has died
   * (the worker then beats on its own event loop again).
   */
  readonly alive: boolean;
  /** What the thread reported since the last call (a beat that failed, a long wait for the lock). */
  takeErrors(): string[];
  stop(): Promise<void>;
}

/** Reports kept until taken: a worker that never asks holds at most this many. */
const MAX_KEPT_ERRORS = 20;

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
  // Built code only: from sources (src/), a worker thread has no TypeScript loader.
  const script = join(OWN_CODE, "backends", "sqlite", "heartbeat-thread.js");
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
  let ready = false;
  let errors: string[] = [];
  thread.on("message", (message: { ready?: boolean; error?: string }) => {
    if (message?.ready) ready = true;
    else if (typeof message?.error === "string") errors = [...errors.slice(1 - MAX_KEPT_ERRORS), message.error];
  });
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
    takeErrors: () => {
      const taken = errors;
      errors = [];
      return taken;
    },
    stop: async () => {
      if (!alive) return;
      // Referenced again until it has exited: otherwise a worker process with nothing else to
      // do would end first (top-level await unsettled).
      thread.ref();
      if (ready) thread.postMessage("stop");
      // Still starting (~50 ms: an isolate, better-sqlite3, a connection), it has not beaten
      // yet: ended now rather than waited for, which a --batch worker with nothing to do would
      // otherwise do, only to stop it.
      else void thread.terminate();
      await exited;
    },
  };
}
