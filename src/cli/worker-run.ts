import type { ActiveConfig } from "../config/registry.js";
import { parseDuration } from "../core/durations.js";
import { UsageError } from "../core/errors.js";

/** `tasks worker`'s flags, parsed (by oclif, or by worker-fast.ts around it). */
export interface WorkerFlags {
  backend: string;
  queue?: string[];
  "exclude-queue"?: string[];
  concurrency: number;
  interval: string;
  batch: boolean;
  "max-tasks"?: number;
  "startup-delay": boolean;
  "worker-id"?: string;
  reload: boolean;
  json: boolean;
  config?: string;
  dotenv?: string;
}

/**
 * What `tasks worker` does once its flags are parsed and its config loaded: runs the worker (or
 * the --reload supervisor) until it stops, then ends the process. Errors are thrown for the
 * caller to report (command-errors.ts).
 */
export async function runWorkerCommand(flags: WorkerFlags, config: ActiveConfig): Promise<void> {
  const entry = config.backends.get(flags.backend);
  if (!entry) {
    throw new UsageError(
      `--backend: no backend "${flags.backend}" in ${config.describe()} (configured: ${[...config.backends.keys()].join(", ")})`,
    );
  }
  if (!entry.runsWorker) {
    throw new UsageError(
      `backend "${entry.alias}" is ${entry.kind}: it ${entry.kind === "immediate" ? "runs tasks in the caller" : "never runs tasks"}, so there is nothing for a worker to do; use a sqlite backend`,
    );
  }
  const { resolveWorkerOptions } = await import("../worker/options.js");
  const options = resolveWorkerOptions(
    {
      queues: flags.queue,
      excludeQueues: flags["exclude-queue"],
      concurrency: flags.concurrency,
      intervalMs: parseDuration(flags.interval, { label: "--interval", bareUnit: "s" }),
      batch: flags.batch,
      maxTasks: flags["max-tasks"],
      startupDelay: flags["startup-delay"],
      workerId: flags["worker-id"],
    },
    entry,
  );
  if (flags.reload && flags.batch) {
    process.stderr.write("Warning: --reload is ignored with --batch (a batch worker exits when the queue is empty)\n");
  } else if (flags.reload) {
    if (!config.path) throw new UsageError("--reload needs a tasks.config.ts to watch");
    const [{ runSupervisor }, { handOverEarlySignals }, { reloadOnTerminal }, { storeFile }] = await Promise.all([
      import("../worker/run-supervisor.js"),
      import("./early-signals.js"),
      import("./reload-output.js"),
      import("../config/kinds.js"),
    ]);
    // On a terminal the supervisor draws the screen; elsewhere the child's lines pass through.
    const screen = process.stdout.isTTY && !flags.json ? await reloadOnTerminal() : null;
    try {
      // A SQLite file deleted or replaced (store gone) stops the worker: a new one there starts it again.
      process.exitCode = await runSupervisor(config.path, handOverEarlySignals, screen?.output, storeFile(entry));
    } finally {
      await screen?.stop();
    }
    return;
  }
  const backend = await config.getBackend(entry.alias);
  const { runCliWorker } = await import("./worker-output.js");
  await runCliWorker({
    backend,
    tasks: config.tasks,
    registry: config.describe(),
    options,
    mode: flags.json ? "json" : process.stdout.isTTY ? "tty" : "plain",
  });
  // Every result is recorded. Task code may still hold timers or connections (an interrupted
  // task, one that timed out, a client a task opened): the worker's job is over, so the
  // process ends now rather than whenever those let go.
  await config.close();
  await new Promise((resolve) => process.stdout.write("", resolve));
  process.exit(0);
}
