import * as Args from "@oclif/core/args";
import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";
import { coerceCliArgs } from "../cli/coerce-args.js";
import { parseMoment, parseTaskArgs } from "../cli/parse.js";
import { parseDuration } from "../core/durations.js";
import { TasklaneError, UsageError } from "../core/errors.js";
import { backendArg, dueText, resultSummary } from "../ui/text/format.js";

/** --wait ran out of time: the operation did not complete (exit 1, not a usage error). */
class TimeoutError extends TasklaneError {}

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
    "<%= config.bin %> enqueue calculateMeaning --wait --timeout 1m",
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
    wait: Flags.boolean({ description: "Wait for the task to finish; exit 1 if it FAILED", default: false }),
    timeout: Flags.string({ description: "With --wait: give up after this long (30s, 5m)", default: "30s" }),
  };

  async run(): Promise<void> {
    const { args, argv, flags, metadata } = await this.parse(Enqueue);
    if (!flags.wait && !metadata.flags.timeout?.setFromDefault) {
      process.stderr.write("Warning: --timeout is ignored without --wait (it bounds the wait)\n");
    }
    const taskArgs = parseTaskArgs((argv as string[]).slice(1), flags.args);
    const runAfter = flags["run-after"] === undefined ? undefined : parseMoment(flags["run-after"], "--run-after");
    const timeoutMs = parseDuration(flags.timeout, { label: "--timeout" });
    const config = await this.loadConfig(flags);
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
    const typed = (argv as string[]).slice(1);
    const callArgs = flags.args === undefined ? await coerceCliArgs(found, typed, taskArgs) : taskArgs;
    const result = await configured.enqueue(...callArgs);
    if (flags.wait && !result.isFinished) {
      const backend = await config.getBackend(configured.backend);
      if (!backend.supportsGetResult) {
        throw new UsageError(`--wait: backend "${backend.alias}" (${backend.kind}) cannot re-read results`);
      }
      const [{ startSpinner, waitUntilFinished }, { firstReason, reasonLine }] = await Promise.all([
        import("../cli/wait.js"),
        import("../cli/why.js"),
      ]);
      const registered = new Set(config.tasks.keys());
      // Waiting for a task nothing will start (no worker takes its queue, the queue is paused)
      // is said at once, not after the whole --timeout; the wait goes on, for a worker started
      // now. A note, not an error: on stdout, and not under --json (whose stdout is one value).
      const stalled = flags.json ? undefined : await firstReason(backend.management(), result.id, registered, true);
      if (stalled) this.out(`Waiting up to ${flags.timeout}, but ${reasonLine(stalled)}`);
      const label = (r: typeof result) => `${r.taskName} ${r.id} ${r.status}`;
      const spinner = !flags.json && process.stdout.isTTY ? await startSpinner(label(result)) : undefined;
      let finished: boolean;
      try {
        finished = await waitUntilFinished(result, backend, timeoutMs, (r) => spinner?.update(label(r)));
      } finally {
        await spinner?.stop();
      }
      if (!finished) {
        const found = await firstReason(backend.management(), result.id, registered);
        // Said already, if it is the reason the note above the wait gave.
        const why = found && found.code !== stalled?.code ? found : undefined;
        throw new TimeoutError(
          `timed out after ${flags.timeout}: ${result.taskName} ${result.id} is still ${result.status}; look it up later with: tasks show ${result.id}${backendArg(backend.alias)}${why ? `; why: ${reasonLine(why)}` : ""}`,
        );
      }
    }
    if (flags.json) this.printJson(result.toJSON());
    else if (result.isFinished || flags.wait) this.out(resultSummary(result, process.stdout.isTTY === true));
    else {
      const due = dueText(result);
      const state = due ? `SCHEDULED: ${due}` : result.status;
      // A unique task whose key was held: nothing new was stored.
      const verb = result.deduplicated ? "Already enqueued (its unique key is held):" : "Enqueued";
      this.out(`${verb} ${result.taskName} as ${result.id} (${state}, queue ${result.queueName})`);
    }
    if (result.status === "FAILED") process.exitCode = 1;
  }
}
