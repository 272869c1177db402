import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

export interface HeartbeatThread {
  stop(): Promise<void>;
}

interface HeartbeatSource {
  path: string;
  alias: string;
  leaseMs: number;
  heartbeatMs: number;
  busyTimeoutMs: number;
  /** Where the thread records how long its beats waited for the lock (lock-outages.ts). */
  outages: SharedArrayBuffer;
}

/**
 * Starts the heartbeat thread (heartbeat-thread.ts) for a worker, or returns null when it
 * cannot run here (from TypeScript sources, where a worker thread has no loader): the worker
 * then heartbeats on its own event loop, as before.
 */
export async function startHeartbeatThread(source: HeartbeatSource, workerId: string): Promise<HeartbeatThread | null> {
  const script = fileURLToPath(new URL("./heartbeat-thread.js", import.meta.url));
  if (!existsSync(script)) return null;
  const thread = new Worker(script, {
    workerData: {
      path: source.path,
      alias: source.alias,
      workerId,
      leaseMs: source.leaseMs,
      heartbeatMs: source.heartbeatMs,
      busyTimeoutMs: source.busyTimeoutMs,
      outages: source.outages,
    },
  });
  // The thread must not keep a finished worker process alive.
  thread.unref();
  const ready = await new Promise<boolean>((resolve) => {
    thread.once("message", (message: { ready?: boolean }) => resolve(message.ready === true));
    thread.once("error", () => resolve(false));
  });
  if (!ready) {
    await thread.terminate();
    return null;
  }
  return {
    stop: async () => {
      const exited = new Promise((resolve) => thread.once("exit", resolve));
      // Referenced again while it closes its connection: otherwise a worker process with
      // nothing else to do would end before the thread exits (top-level await unsettled).
      thread.ref();
      thread.postMessage("stop");
      await exited;
    },
  };
}
