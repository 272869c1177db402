import * as Args from "@oclif/core/args";
import { BaseCommand } from "../cli/base-command.js";
import { backendFlag } from "../cli/flags.js";
import { switchQueues } from "../cli/queue-switch.js";

export default class Resume extends BaseCommand {
  static override summary = "Resume paused queues: workers take their tasks again";
  static override strict = false;
  static override examples = ["<%= config.bin %> resume emails", "<%= config.bin %> resume emails reports --json"];
  static override args = { queue: Args.string({ description: "Queue names", required: true }) };
  static override flags = { backend: backendFlag };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Resume);
    await switchQueues(await this.loadConfig(flags), flags, argv as string[], "resume");
  }
}
