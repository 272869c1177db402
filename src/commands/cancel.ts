import * as Args from "@oclif/core/args";
import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";
import { idsOfGroup } from "../cli/failure-groups.js";
import { backendFlag } from "../cli/flags.js";
import { applyAndReport, changeByIds } from "../cli/id-changes.js";
import { openManagement } from "../cli/management.js";
import { UsageError } from "../core/errors.js";

export default class Cancel extends BaseCommand {
  static override summary = "Cancel READY tasks so no worker runs them";
  static override description =
    "Each id is processed on its own: a RUNNING or finished result gets a clear error, the others are still cancelled. Exits 1 if any id failed. With --group N, cancels the pending retries of failure group N (as `tasks errors` numbers them).";
  static override strict = false;
  static override examples = [
    "<%= config.bin %> cancel 521538d8cca2",
    "<%= config.bin %> cancel ID1 ID2 --json",
    "<%= config.bin %> cancel --group 2",
  ];
  static override args = { id: Args.string({ description: "Result ids (full, prefix or short id)" }) };
  static override flags = {
    backend: backendFlag,
    group: Flags.integer({ description: "Cancel the results of failure group N that wait for a retry" }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Cancel);
    const ids = argv as string[];
    if (ids.length > 0 === (flags.group !== undefined)) {
      throw new UsageError("give result ids, or --group N to cancel a failure group's pending retries (one of them)");
    }
    const config = await this.loadConfig(flags);
    const change = {
      verb: "cancelled",
      apply: (manage: Parameters<typeof applyAndReport>[0], list: string[]) => manage.cancel(list),
    };
    if (flags.group === undefined) {
      await changeByIds(config, flags, ids, change);
      return;
    }
    const { manage } = await openManagement(config, flags.backend);
    const members = await idsOfGroup(manage, flags.group, "READY", {});
    await applyAndReport(
      manage,
      flags,
      members.map((id) => ({ input: id, id })),
      change,
    );
  }
}
