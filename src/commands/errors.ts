import { Flags } from "@oclif/core";
import { BaseCommand } from "../cli/base-command.js";
import { backendFlag, filterFlags } from "../cli/flags.js";
import { openManagement } from "../cli/management.js";
import { parseSince } from "../cli/parse.js";
import { ago, shortId } from "../ui/text/format.js";
import { bold, dim, red } from "../ui/text/style.js";
import { renderTable } from "../ui/text/table.js";

export default class Errors extends BaseCommand {
  static override summary = "Failures grouped by task and error class";
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
    const config = await this.loadConfig(flags.config);
    const { manage } = await openManagement(config, flags.backend);
    const groups = await manage.errorGroups({ taskNames: flags.task, queues: flags.queue, since });
    if (flags.json) {
      return this.printJson(
        groups.map((g) => ({ ...g, firstSeen: g.firstSeen.toISOString(), lastSeen: g.lastSeen.toISOString() })),
      );
    }
    if (groups.length === 0) return this.out(dim("No failed tasks."));
    const now = Date.now();
    if (!flags.traceback) {
      this.out(
        renderTable(
          ["TASK", "ERROR", "COUNT", "FIRST SEEN", "LAST SEEN", "LAST MESSAGE", "SAMPLE"],
          groups.map((g) => [
            g.taskName,
            red(g.exceptionClass),
            String(g.count),
            ago(g.firstSeen, now),
            ago(g.lastSeen, now),
            g.lastMessage.split("\n")[0]?.slice(0, 60) ?? "",
            shortId(g.sampleId),
          ]),
        ),
      );
      return;
    }
    for (const g of groups) {
      this.out(
        `${bold(g.taskName)} ${red(g.exceptionClass)} × ${g.count}  ${dim(`last ${ago(g.lastSeen, now)}, first ${ago(g.firstSeen, now)}`)}`,
      );
      this.out(`  ${g.lastMessage}`);
      this.out(dim(`  sample ${g.sampleId}:`));
      this.out(dim(g.sampleTraceback.replace(/^/gm, "    ")));
      this.out();
    }
  }
}
