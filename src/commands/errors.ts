import { isAbsolute, relative } from "node:path";
import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";
import { listFailureGroups } from "../cli/failure-groups.js";
import { unknownFilterHint } from "../cli/filter-hints.js";
import { backendFlag, filterFlags } from "../cli/flags.js";
import { openManagement } from "../cli/management.js";
import { parseSince } from "../cli/parse.js";
import { ago, backendArg, shortId } from "../ui/text/format.js";
import { printable, printableLines } from "../ui/text/printable.js";
import { bold, dim, red } from "../ui/text/style.js";
import { renderTable } from "../ui/text/table.js";

/** A frame's path relative to the project's folder when it is inside it (the table stays narrow). */
function shownFrame(frame: string, base: string): string {
  const rel = relative(base, frame);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : frame;
}

export default class Errors extends BaseCommand {
  static override summary = "Failures grouped by cause: error class and the first frame of your code";
  static override examples = [
    "<%= config.bin %> errors",
    "<%= config.bin %> errors --since 24h --task sendEmail",
    "<%= config.bin %> errors --traceback",
    "<%= config.bin %> errors --json",
  ];
  static override flags = {
    backend: backendFlag,
    task: filterFlags.task,
    queue: filterFlags.queue,
    since: filterFlags.since,
    traceback: Flags.boolean({ description: "Print one sample traceback per group", default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Errors);
    const since = flags.since === undefined ? undefined : parseSince(flags.since, "--since");
    const config = await this.loadConfig(flags);
    const { manage } = await openManagement(config, flags.backend);
    const groups = await listFailureGroups(manage, { taskNames: flags.task, queues: flags.queue, since });
    if (flags.json) {
      return this.printJson(
        groups.map((g, i) => ({
          group: i + 1,
          ...g,
          // The first task of the group, as before causes spanned tasks (most groups have one).
          taskName: g.taskNames[0] ?? "",
          firstSeen: g.firstSeen.toISOString(),
          lastSeen: g.lastSeen.toISOString(),
        })),
      );
    }
    if (groups.length === 0) {
      const hint = unknownFilterHint(config, flags.backend, { tasks: flags.task, queues: flags.queue });
      return this.out(dim(hint ? `No failed tasks: ${hint}.` : "No failed tasks."));
    }
    const now = Date.now();
    if (!flags.traceback) {
      this.out(
        renderTable(
          ["#", "TASKS", "ERROR", "FAILED", "RETRYING", "WHERE", "LAST SEEN", "FIRST SEEN", "LAST MESSAGE", "SAMPLE"],
          groups.map((g, i) => [
            String(i + 1),
            g.taskNames.join(","),
            red(printable(g.exceptionClass, "escape")),
            String(g.count),
            String(g.retrying),
            g.frame ? printable(shownFrame(g.frame, config.baseDir), "escape") : dim("-"),
            ago(g.lastSeen, now),
            ago(g.firstSeen, now),
            printable(g.lastMessage.split("\n")[0]?.slice(0, 60) ?? "", "escape"),
            shortId(g.sampleId),
          ]),
        ),
      );
      this.out(
        dim(
          `act on a group: tasks retry --group N${backendArg(flags.backend)} (its FAILED results) · tasks cancel --group N${backendArg(flags.backend)} (its pending retries)`,
        ),
      );
      return;
    }
    groups.forEach((g, i) => {
      this.out(
        `${bold(`#${i + 1}`)} ${red(printable(g.exceptionClass, "escape"))} ${g.frame ? `at ${printable(shownFrame(g.frame, config.baseDir), "escape")} ` : ""}× ${g.count}${g.retrying ? ` (+${g.retrying} retrying)` : ""}  ${dim(`tasks ${g.taskNames.join(", ")} · last ${ago(g.lastSeen, now)}, first ${ago(g.firstSeen, now)}`)}`,
      );
      // Control characters escaped (printableLines): the text is whatever the task threw.
      this.out(printableLines(g.lastMessage).replace(/^/gm, "  "));
      this.out(dim(`  sample ${g.sampleId}:`));
      this.out(dim(printableLines(g.sampleTraceback).replace(/^/gm, "    ")));
      this.out();
    });
  }
}
