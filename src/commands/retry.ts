import * as Args from "@oclif/core/args";
import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";
import { idsOfGroup } from "../cli/failure-groups.js";
import { unknownFilterHint } from "../cli/filter-hints.js";
import { backendFlag, filterFlags } from "../cli/flags.js";
import { applyAndReport, changeByIds } from "../cli/id-changes.js";
import { openManagement } from "../cli/management.js";
import { parseSince } from "../cli/parse.js";
import type { ManagementStore } from "../contract/management.js";
import { UsageError } from "../core/errors.js";
import { green } from "../ui/text/style.js";

export default class Retry extends BaseCommand {
  static override summary =
    "Put FAILED tasks back to READY (errors and attempts are kept; the task's attempts are granted again)";
  static override description =
    "A retried result may run as many more times as its task's maxAttempts allows (attempts so far + maxAttempts), so `tasks show` reads e.g. 2 of 2 attempts after retrying a task that had 1.";
  static override strict = false;
  static override examples = [
    "<%= config.bin %> retry 521538d8cca2",
    "<%= config.bin %> retry --failed",
    "<%= config.bin %> retry --failed --task sendEmail --since 1h --json",
    "<%= config.bin %> retry --group 1",
  ];
  static override args = { id: Args.string({ description: "Result ids (full, prefix or short id)" }) };
  static override flags = {
    backend: backendFlag,
    failed: Flags.boolean({ description: "Retry every FAILED result (narrow with --task, --since)", default: false }),
    group: Flags.integer({
      description: "Retry the FAILED results of failure group N, as `tasks errors` numbers them",
    }),
    task: filterFlags.task,
    since: filterFlags.since,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Retry);
    const ids = argv as string[];
    const ways = [ids.length > 0, flags.failed, flags.group !== undefined].filter(Boolean).length;
    if (ways === 0 && (flags.task || flags.since)) {
      throw new UsageError("--task and --since narrow --failed or --group N: add --failed to retry what they match");
    }
    if (ways !== 1) {
      throw new UsageError(
        "give result ids, or --failed to retry every FAILED result, or --group N for one failure group (one of them)",
      );
    }
    if (ids.length > 0 && (flags.task || flags.since))
      throw new UsageError("--task and --since go with --failed or --group");
    const config = await this.loadConfig(flags);
    // A retry grants the task's own attempts again (1 for a task this config does not know).
    const options = { attempts: Object.fromEntries([...config.tasks].map(([name, task]) => [name, task.maxAttempts])) };
    const change = { verb: "retried", apply: (manage: ManagementStore, list: string[]) => manage.retry(list, options) };
    if (ids.length > 0) {
      await changeByIds(config, flags, ids, change);
      return;
    }
    const since = flags.since === undefined ? undefined : parseSince(flags.since, "--since");
    const filter = { taskNames: flags.task, since };
    const { manage } = await openManagement(config, flags.backend);
    if (flags.group !== undefined) {
      const members = await idsOfGroup(manage, flags.group, "FAILED", filter);
      await applyAndReport(
        manage,
        flags,
        members.map((id) => ({ input: id, id })),
        change,
      );
      return;
    }
    const retried = await manage.retryFailed(filter, options);
    if (flags.json) return this.printJson({ retried: retried.length, ids: retried });
    for (const id of retried) this.out(`${green("retried")} ${id}`);
    const hint = retried.length === 0 ? unknownFilterHint(config, flags.backend, { tasks: flags.task }) : undefined;
    this.out(
      `Retried ${retried.length} failed task result${retried.length === 1 ? "" : "s"}${hint ? `: ${hint}` : ""}`,
    );
  }
}
