/**
 * TypeScript source of the tasks that test projects share (a test's tasks.config.ts starts
 * with it). Tasks append "<resultId> <event> …" lines to $TASKLANE_TEST_DIR/runs.log so tests
 * can count runs and see when each ran.
 */
export const SHARED_TASKS = `
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, task, type TaskContext } from "tasklane";

const log = (line: string) => appendFileSync(join(process.env.TASKLANE_TEST_DIR!, "runs.log"), line + "\\n");

export const noop = task(() => null);
export const add = task((a: number, b: number) => a + b);
export const record = task({ takesContext: true }, (context: TaskContext, label: string) => {
  log(context.taskResult.id + " " + label + " " + process.pid);
  return label;
});
export const sleep = task({ takesContext: true }, async (context: TaskContext, ms: number) => {
  log(context.taskResult.id + " start " + Date.now());
  await new Promise((resolve) => setTimeout(resolve, ms));
  log(context.taskResult.id + " end " + Date.now());
  return ms;
});
export const fail = task((message: string) => {
  throw new RangeError(message);
});
export const badReturn = task(() => new Date() as unknown as string);
/** Fails on its first two attempts; retried after a fixed 300 ms. */
export const flakyThrice = task(
  { takesContext: true, maxAttempts: 3, backoff: { type: "fixed", delayMs: 300, jitter: 0 } },
  (context: TaskContext) => {
    log(context.taskResult.id + " attempt " + context.attempt + " " + Date.now());
    if (context.attempt < 3) throw new Error("attempt " + context.attempt + " failed");
    return "ok on attempt " + context.attempt;
  },
);
export const emails = task({ queueName: "emails" }, (to: string) => to);
/** Ignores its signal and never ends on its own: only its timeout ends it. */
export const hangs = task({ timeoutMs: 300, maxAttempts: 2 }, async () => {
  await new Promise(() => {});
});
/** Waits for its signal and logs why it was aborted; its late return value must be ignored. */
export const watchesTimeout = task({ takesContext: true, timeoutMs: 300 }, async (context: TaskContext) => {
  await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
  log(context.taskResult.id + " aborted " + (context.signal.reason?.name ?? "?"));
  return "late";
});
/** Blocks its event loop past its timeout: a synchronous task cannot be stopped mid-run. */
export const blocksPastTimeout = task({ timeoutMs: 100 }, (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
  return ms;
});
`;

/** The names SHARED_TASKS exports, for a config's `tasks: { … }`. */
export const SHARED_TASK_NAMES =
  "noop, add, record, sleep, fail, badReturn, flakyThrice, emails, hangs, watchesTimeout, blocksPastTimeout";
