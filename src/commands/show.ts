import * as Args from "@oclif/core/args";
import { BaseCommand } from "../cli/base-command.js";
import { backendFlag } from "../cli/flags.js";
import { openManagement, otherBackends, resolveId } from "../cli/management.js";
import { TaskResult } from "../core/result.js";
import { dueText, errorText, runTimes, shownValue } from "../ui/text/format.js";
import { printable } from "../ui/text/printable.js";
import { bold, colourStatus, dim, red } from "../ui/text/style.js";

/** "READY", or "SCHEDULED (READY, due … (in 9m))" for a task whose runAfter is ahead. */
function statusLine(result: TaskResult, now: number): string {
  const due = dueText(result, now);
  return due ? `${colourStatus("SCHEDULED")} ${dim(`(READY, ${due})`)}` : colourStatus(result.status);
}

/** A row only when the result has the value (most results are neither unique nor scheduled). */
function optional(label: string, value: string | null): [string, string][] {
  return value === null ? [] : [[label, value]];
}

export default class Show extends BaseCommand {
  static override summary = "Show one task result in full, tracebacks included";
  static override description =
    "ID may be the full id, a unique prefix of it (as git does), or the short id `tasks results` prints (the id's last 12 characters).";
  static override examples = [
    "<%= config.bin %> show 01a228e1-98d0-77a3-b84b-521538d8cca2",
    "<%= config.bin %> show 521538d8cca2",
    "<%= config.bin %> show 01a228e1-98d0 --json",
  ];
  static override args = { id: Args.string({ description: "Result id, prefix or short id", required: true }) };
  static override flags = { backend: backendFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Show);
    const config = await this.loadConfig(flags);
    const { backend, manage } = await openManagement(config, flags.backend);
    const id = await resolveId(manage, args.id, otherBackends(config, flags.backend));
    const result = new TaskResult(await backend.getResultData(id), backend);
    if (flags.json) return this.printJson(result.toJSON());

    const iso = (d: Date | null) => (d ? d.toISOString() : dim("-"));
    const now = Date.now();
    const times = runTimes(result);
    const rows: [string, string][] = [
      ["id", result.id],
      ["task", result.taskName],
      ["status", statusLine(result, now)],
      ["backend", result.backend],
      ["queue", result.queueName],
      ["priority", String(result.priority)],
      ["attempts", `${result.attempts} of ${result.maxAttempts} allowed`],
      ["timeout", result.timeoutMs === null ? dim("none") : `${result.timeoutMs} ms per attempt`],
      ...optional("unique key", result.uniqueKey === null ? null : printable(result.uniqueKey, "escape")),
      ...optional("schedule", result.schedule),
      ["workers", result.workerIds.join(", ") || dim("-")],
      ["enqueued", iso(result.enqueuedAt)],
      ["run after", iso(result.runAfter)],
      ["started", iso(result.startedAt)],
      ["last attempt", iso(result.lastAttemptedAt)],
      ["finished", iso(result.finishedAt)],
      ["last attempt ran", times.last],
      ...(times.span ? ([["in all", times.span]] as [string, string][]) : []),
    ];
    for (const [label, value] of rows) this.out(`${bold(label.padEnd(17))}${value}`);
    const clip = process.stdout.isTTY === true;
    this.out(bold("args"));
    this.out(shownValue(result.args, result.id, clip));
    if (result.status === "SUCCEEDED") {
      this.out(bold("return value"));
      this.out(shownValue(result.returnValue, result.id, clip));
    }
    result.errors.forEach((error, i) => {
      const { head, rest } = errorText(error);
      this.out(bold(`error ${i + 1} of ${result.errors.length}: `) + red(head));
      if (rest) this.out(dim(rest));
    });
  }
}
