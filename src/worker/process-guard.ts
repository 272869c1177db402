import { currentAttempt } from "../contract/attempt.js";
import { TaskCalledProcessExit } from "../core/errors.js";
import { TaskError, type TaskErrorData } from "../core/result.js";

/**
 * For a worker that owns its process (`tasks worker`): a task's `process.exit()`, a stray
 * exception thrown from one of its callbacks, or a promise it left rejected would otherwise end
 * the whole worker, losing buffered log lines and leaving the task RUNNING until its lease runs
 * out. Each is pinned on the attempt that caused it (AsyncLocalStorage follows the attempt
 * through its callbacks): that attempt ends FAILED (retried if it has attempts left) and the
 * worker keeps serving, as django-tasks' worker survives `exit()` in a task. Anything that
 * happens outside an attempt still ends the process, after `crash` (which flushes the log).
 * Returns the function that removes the guard.
 */
export function guardProcess(crash: (error: unknown) => void): () => void {
  const realExit = process.exit;
  const guardedExit = ((code?: number | string | null) => {
    const attempt = currentAttempt();
    if (!attempt) return realExit.call(process, code ?? undefined);
    const exit = new TaskCalledProcessExit(code);
    attempt.fail(recorded("ProcessExit", exit.message, exit.stack));
    // Unwinds the task's own stack; a task that swallows it changes nothing: its attempt has ended.
    throw exit;
  }) as typeof process.exit;
  process.exit = guardedExit;

  const onStray = (error: unknown) => {
    if (isProcessExit(error)) return; // recorded when it was thrown
    const attempt = currentAttempt();
    if (!attempt) {
      process.exit = realExit;
      crash(error);
      return;
    }
    const caught = TaskError.from(error);
    attempt.fail({
      ...caught,
      traceback: `${caught.traceback}\n(thrown outside the task's own promise, in a callback it scheduled)`,
    });
  };
  process.on("uncaughtException", onStray);
  process.on("unhandledRejection", onStray);
  return () => {
    if (process.exit === guardedExit) process.exit = realExit;
    process.off("uncaughtException", onStray);
    process.off("unhandledRejection", onStray);
  };
}

/** `instanceof`, which a thrown Proxy can make throw: a throw in this handler would end the process. */
function isProcessExit(error: unknown): boolean {
  try {
    return error instanceof TaskCalledProcessExit;
  } catch {
    return false;
  }
}

function recorded(exceptionClass: string, message: string, stack: string | undefined): TaskErrorData {
  return { exceptionClass, message, traceback: stack ?? `${exceptionClass}: ${message}` };
}
