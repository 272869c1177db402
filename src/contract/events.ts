import type { TaskResultData } from "../core/result.js";
import type { RecoveredTask } from "./worker-store.js";

/** What a worker reports as it runs; `tasks worker` turns these into lines, JSON or a status line. */
export interface WorkerEvents {
  started?(info: { workerId: string; queues: string }): void;
  taskStarted?(record: TaskResultData): void;
  /**
   * An attempt ended and the store recorded it (`dropped` unset), or refused it (`dropped` says
   * why: the task had been recovered from this worker, so its late outcome does not count).
   */
  taskFinished?(record: TaskResultData, durationMs: number, dropped?: string): void;
  stopping?(force: boolean): void;
  /** Tasks taken back from workers that died (or from this worker's previous run). */
  recovered?(tasks: RecoveredTask[]): void;
  /** A store error the worker survived (it backs off and tries again). */
  error?(error: Error): void;
  /**
   * The backend's storage became unreachable ("lost": the worker keeps retrying) or reachable
   * again ("restored"); `message` names where (secrets redacted) and what happens meanwhile.
   */
  connection?(state: "lost" | "restored", message: string): void;
  /** The backend's retention deleted this many finished results (reported only when some were). */
  pruned?(info: PrunedInfo): void;
}

/** One retention pass that deleted something: how many, and the ages it kept. */
export interface PrunedInfo {
  deleted: number;
  olderThan: string;
  failedOlderThan: string;
}

/** The same events as one tagged union: what runWorker()'s `onEvent` receives. */
export type WorkerEvent =
  | { type: "started"; workerId: string; queues: string }
  | { type: "taskStarted"; record: TaskResultData }
  | { type: "taskFinished"; record: TaskResultData; durationMs: number; dropped?: string }
  | { type: "stopping"; force: boolean }
  | { type: "recovered"; tasks: RecoveredTask[] }
  | { type: "error"; error: Error }
  | { type: "connection"; state: "lost" | "restored"; message: string }
  | ({ type: "pruned" } & PrunedInfo);

/** WorkerEvents callbacks that hand every event to one listener. */
export function eventsTo(listener: (event: WorkerEvent) => void): WorkerEvents {
  return {
    started: (info) => listener({ type: "started", ...info }),
    taskStarted: (record) => listener({ type: "taskStarted", record }),
    taskFinished: (record, durationMs, dropped) =>
      listener(
        dropped === undefined
          ? { type: "taskFinished", record, durationMs }
          : { type: "taskFinished", record, durationMs, dropped },
      ),
    stopping: (force) => listener({ type: "stopping", force }),
    recovered: (tasks) => listener({ type: "recovered", tasks }),
    error: (error) => listener({ type: "error", error }),
    connection: (state, message) => listener({ type: "connection", state, message }),
    pruned: (info) => listener({ type: "pruned", ...info }),
  };
}
