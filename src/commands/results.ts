import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";
import { unknownFilterHint } from "../cli/filter-hints.js";
import { backendFlag, filterFlags } from "../cli/flags.js";
import { openManagement } from "../cli/management.js";
import { parseSince, parseStatuses } from "../cli/parse.js";
import { UsageError } from "../core/errors.js";
import { TaskResult } from "../core/result.js";
import { ago, backendArg, lastAttemptTime, shortId } from "../ui/text/format.js";
import { shownStatus } from "../ui/text/status.js";
import { colourStatus, dim, yellow } from "../ui/text/style.js";
import { renderTable } from "../ui/text/table.js";

/** The status as a reader means it: a deferred READY task is SCHEDULED, with when it is due. */
function statusCell(r: TaskResult, now: number): string {
  const shown = shownStatus(r, now);
  return colourStatus(shown, shown === "SCHEDULED" ? `SCHEDULED ${ago(r.runAfter, now)}` : shown);
}

export default class Results extends BaseCommand {
  static override summary = "List task results, newest first";
  static override aliases = ["ls"];
  static override examples = [
    "<%= config.bin %> results",
    "<%= config.bin %> results --status failed --since 1h",
    "<%= config.bin %> ls --task sendEmail --queue emails --limit 50",
    "<%= config.bin %> results --json | jq '.[].id'",
  ];
  static override flags = {
    backend: backendFlag,
    ...filterFlags,
    limit: Flags.integer({ description: "How many results (1–10000)", default: 20 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Results);
    if (flags.limit < 1 || flags.limit > 10_000)
      throw new UsageError(`--limit must be from 1 to 10000, got ${flags.limit}`);
    const statuses = parseStatuses(flags.status);
    const since = flags.since === undefined ? undefined : parseSince(flags.since, "--since");
    const config = await this.loadConfig(flags);
    const { backend, manage } = await openManagement(config, flags.backend);
    const page = await manage.listResults({
      statuses,
      taskNames: flags.task,
      queues: flags.queue,
      since,
      limit: flags.limit,
    });
    const results = page.results.map((data) => new TaskResult(data, backend));
    if (flags.json) return this.printJson(results.map((r) => r.toJSON()));
    const now = Date.now();
    if (results.length === 0) {
      const hint = unknownFilterHint(config, flags.backend, { tasks: flags.task, queues: flags.queue });
      this.out(dim(hint ? `No task results match: ${hint}.` : "No task results match."));
    } else
      this.out(
        renderTable(
          ["ID", "TASK", "STATUS", "QUEUE", "PRI", "ENQUEUED", "DURATION", "ATTEMPTS"],
          results.map((r) => [
            shortId(r.id),
            r.taskName,
            statusCell(r, now),
            r.queueName,
            String(r.priority),
            ago(r.enqueuedAt, now),
            lastAttemptTime(r),
            `${r.attempts}/${r.maxAttempts}`,
          ]),
        ),
      );
    if (page.nextCursor) this.out(dim(`(showing ${results.length}; more with --limit)`));
    const paused = ((await manage.queueStates?.()) ?? []).filter((q) => q.paused);
    if (paused.length > 0) {
      const list = paused.map((q) => `${q.queueName} (since ${ago(q.pausedAt, now)})`).join(", ");
      this.out(yellow(`paused: ${list}; their tasks wait until \`tasks resume${backendArg(flags.backend)}\``));
    }
  }
}
