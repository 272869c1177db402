import type { TaskResult } from "./result.js";

/** Given as the first argument to tasks declared with `takesContext: true`. */
export interface TaskContext {
  /** The running task's result (status RUNNING). */
  readonly taskResult: TaskResult;
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  /** Aborted when the worker is forced to stop (second SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
}
