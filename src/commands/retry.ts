import { Args, Flags } from "@oclif/core";
import { BaseCommand } from "../cli/base-command.js";
import { backendFlag, filterFlags } from "../cli/flags.js";
import { changeByIds } from "../cli/id-changes.js";
import { openManagement } from "../cli/management.js";
import { parseSince } from "../cli/parse.js";
import { UsageError } from "../core/errors.js";

export default class Retry extends BaseCommand {
  static override summary = "Put FAILED tasks back to READY (errors and attempts are kept)";
  static override strict = false;
  static override examples = [
    "<%= config.bin %> retry 521538d8cca2",
    "<%= config.bin %> retry --failed",
    "<%= config.bin %> retry --failed --task sendEmail --since 1h --json",
  ];
  static override args = { id: Args.string({ description: "Result ids (full, prefix or short id)" }) };
  static override flags = {
    backend: backendFlag,
    failed: Flags.boolean({ description: "Retry every FAILED result (narrow with --task, --since)", default: false }),
    task: filterFlags.task,
    since: filterFlags.since,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Retry);
    const ids = argv as string[];
    if (flags.failed === ids.length > 0) {
      throw new UsageError("give result ids, or --failed to retry every FAILED result (not both)");
    }
    if (!flags.failed && (flags.task || flags.since)) throw new UsageError("--task and --since go with --failed");
    const config = await this.loadConfig(flags.config);
    if (!flags.failed) {
      await changeByIds(config, flags, ids, { verb: "retried", apply: (manage, list) => manage.retry(list) });
      return;
    }
    const since = flags.since === undefined ? undefined : parseSince(flags.since, "--since");
    const { manage } = await openManagement(config, flags.backend);
    const count = await manage.retryFailed({ taskNames: flags.task, since });
    if (flags.json) this.printJson({ retried: count });
    else this.out(`Retried ${count} failed task result${count === 1 ? "" : "s"}`);
  }
}
