// The example project used by README's quick start (`npm run demo`).
import { defineConfig, type TaskContext, task } from "tasklane";

/** No arguments, returns a number. */
export const calculateMeaning = task(() => 42);

/** Arguments and a priority; runs on its own queue. */
export const sendEmail = task({ queueName: "emails", priority: 10 }, async (to: string, subject: string) => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { sent: true, to, subject };
});

/** Takes the context: knows its attempt and its own result id. */
export const report = task({ takesContext: true }, async (context: TaskContext, day: string) => {
  return { day, attempt: context.attempt, resultId: context.taskResult.id };
});

/** Always fails, to show errors and tracebacks. */
export const flaky = task((reason: string) => {
  throw new Error(`flaky failed: ${reason}`);
});

export default defineConfig({
  backends: {
    default: { backend: "sqlite", queues: ["default", "emails"], options: { path: ".tasks/tasks.sqlite3" } },
  },
  tasks: { calculateMeaning, sendEmail, report, flaky },
});
