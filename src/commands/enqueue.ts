import { Args, Flags } from "@oclif/core";
import { BaseCommand } from "../cli/base-command.js";
import { resultSummary } from "../cli/format.js";
import { parseMoment, parseTaskArgs } from "../cli/parse.js";
import { UsageError } from "../errors.js";

export default class Enqueue extends BaseCommand {
  static override summary = "Enqueue a task by name, with JSON arguments";
  static override description =
    "Each argument is parsed as JSON when it is valid JSON (1, true, '{\"a\":1}'), else taken as a string. On the immediate backend the task runs at once and its result is printed.";
  static override strict = false;
  static override examples = [
    "<%= config.bin %> enqueue calculateMeaning",
    "<%= config.bin %> enqueue add 2 3",
    `<%= config.bin %> enqueue sendEmail --args '["ada@example.com", "Hello"]' --queue emails --priority 10`,
    "<%= config.bin %> enqueue report 2026-11-29 --run-after 10m --json",
  ];
  static override args = {
    task: Args.string({ description: "Registered task name", required: true }),
  };
  static override flags = {
    args: Flags.string({ description: "All task arguments as one JSON array (instead of positional ARGS)" }),
    priority: Flags.integer({ description: "Priority from -100 to 100 (larger runs first)" }),
    queue: Flags.string({ description: "Queue name (default: the task's)" }),
    backend: Flags.string({ description: "Backend alias (default: the task's)" }),
    "run-after": Flags.string({ description: "Do not start before: a duration from now (10m, 2h) or an ISO date" }),
  };

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(Enqueue);
    const taskArgs = parseTaskArgs((argv as string[]).slice(1), flags.args);
    const runAfter = flags["run-after"] === undefined ? undefined : parseMoment(flags["run-after"], "--run-after");
    const config = await this.loadConfig(flags.config);
    const found = config.tasks.get(args.task);
    if (!found) {
      const known = [...config.tasks.keys()];
      throw new UsageError(
        `unknown task "${args.task}"; ${known.length ? `registered tasks: ${known.join(", ")}` : `no tasks are registered in ${config.describe()}`}`,
      );
    }
    const configured = found.using({
      priority: flags.priority,
      queueName: flags.queue,
      backend: flags.backend,
      runAfter,
    });
    const result = await configured.enqueue(...taskArgs);
    if (flags.json) this.printJson(result.toJSON());
    else if (result.isFinished) this.out(resultSummary(result));
    else this.out(`Enqueued ${result.taskName} as ${result.id} (${result.status}, queue ${result.queueName})`);
    if (result.status === "FAILED") process.exitCode = 1;
  }
}
