/** The folder the starter config keeps its SQLite file (and its -wal/-shm) in. */
export const STARTER_DATA_DIR = ".tasks";

/** The file `tasks init` writes: a small, commented, working project. */
export const STARTER_CONFIG = `// tasks.config.ts: your tasklane backends and tasks.
// Run tasks with \`npx tasks worker\`; enqueue from code with \`await add.enqueue(2, 3)\`
// or from the shell with \`npx tasks enqueue add 2 3\`.
import { defineConfig, task, type TaskContext } from "tasklane";

// A task is a function. Its arguments and return value must be JSON values.
export const add = task((a: number, b: number) => a + b);

// Options: priority (-100..100, larger first), queueName, retries with backoff.
export const sendWelcome = task(
  { queueName: "emails", maxAttempts: 3, backoff: { type: "exponential", delayMs: 1000 } },
  async (to: string) => {
    // … call your mail provider here …
    return { sent: true, to };
  },
);

// takesContext: the first argument tells the task about its run.
export const report = task({ takesContext: true }, async (context: TaskContext, day: string) => {
  return { day, attempt: context.attempt, id: context.taskResult.id };
});

export default defineConfig({
  backends: {
    // An embedded SQLite file (WAL): durable, zero infrastructure. The workers delete finished
    // results two weeks old (failed ones after 30 days), so the file stops growing.
    default: {
      backend: "sqlite",
      queues: ["default", "emails"],
      options: { path: "${STARTER_DATA_DIR}/tasks.sqlite3" },
      retention: { olderThan: "14d", failedOlderThan: "30d" },
    },
  },
  // Every task a worker may run, by name.
  tasks: { add, sendWelcome, report },
});
`;
