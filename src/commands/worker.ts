import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";

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
    const { runWorkerCommand } = await import("../cli/worker-run.js");
    await runWorkerCommand(flags, config);
  }
}
