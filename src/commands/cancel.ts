import { Args } from "@oclif/core";
import { BaseCommand } from "../cli/base-command.js";
import { backendFlag } from "../cli/flags.js";
import { changeByIds } from "../cli/id-changes.js";

export default class Cancel extends BaseCommand {
  static override summary = "Cancel READY tasks so no worker runs them";
  static override description =
    "Each id is processed on its own: a RUNNING or finished result gets a clear error, the others are still cancelled. Exits 1 if any id failed.";
  static override strict = false;
  static override examples = ["<%= config.bin %> cancel 521538d8cca2", "<%= config.bin %> cancel ID1 ID2 --json"];
  static override args = { id: Args.string({ description: "Result ids (full, prefix or short id)", required: true }) };
  static override flags = { backend: backendFlag };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Cancel);
    await changeByIds(await this.loadConfig(flags.config), flags, argv as string[], {
      verb: "cancelled",
      apply: (manage, ids) => manage.cancel(ids),
    });
  }
}
