import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";
import { parseDuration } from "../core/durations.js";
import { UsageError } from "../core/errors.js";

export default class WorkerCommand extends BaseCommand {
  static override summary = "Run tasks from a sqlite (or other durable) backend";
  static override description =
    "Claims ready tasks in priority order and runs them. The first SIGINT/SIGTERM stops claiming and lets running tasks finish (exit 0); a second aborts them and records them FAILED (WorkerInterrupted).";
  static override examples = [
    "<%= config.bin %> worker",
    "<%= config.bin %> worker --queue emails --concurrency 10",
    "<%= config.bin %> worker --queue '*' --exclude-queue slow",
    "<%= config.bin %> worker --batch --no-startup-delay",
    "<%= config.bin %> worker --json --worker-id web-1",
    "<%= config.bin %> worker --reload",
  ];
  static override flags = {
    backend: Flags.string({ description: "Backend alias to run", default: "default" }),
    queue: Flags.string({
      description: "Queue to take tasks from (repeatable; '*' for every queue). Default: every queue of the backend",
      multiple: true,
    }),
    "exclude-queue": Flags.string({ description: "With --queue '*': a queue to skip (repeatable)", multiple: true }),
    concurrency: Flags.integer({ description: "Tasks run at once (async tasks overlap)", default: 1 }),
    interval: Flags.string({ description: "Idle poll fallback: seconds (1, 0.5) or 500ms/2s", default: "1" }),
    batch: Flags.boolean({ description: "Exit when no task is ready", default: false }),
    "max-tasks": Flags.integer({ description: "Exit after this many tasks (failed ones count)" }),
    "startup-delay": Flags.boolean({
      description: "Wait a random 0–1 s before the first claim (spreads workers started together)",
      default: true,
      allowNo: true,
    }),
    "worker-id": Flags.string({ description: "This worker's id (1–64 characters; default host-pid-random)" }),
    reload: Flags.boolean({
      description: "Restart the worker when code in the config's folder changes (development)",
      default: false,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(WorkerCommand);
    const config = await this.loadConfig(flags);
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
      process.stderr.write(
        "Warning: --reload is ignored with --batch (a batch worker exits when the queue is empty)\n",
      );
    } else if (flags.reload) {
      if (!config.path) throw new UsageError("--reload needs a tasks.config.ts to watch");
      const [{ runSupervisor }, { handOverEarlySignals }, { reloadOnTerminal }, { storeFile }] = await Promise.all([
        import("../worker/run-supervisor.js"),
        import("../cli/early-signals.js"),
        import("../cli/reload-output.js"),
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
    const { runCliWorker } = await import("../cli/worker-output.js");
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
}
