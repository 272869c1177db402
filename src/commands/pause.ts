import * as Args from "@oclif/core/args";
import { BaseCommand } from "../cli/base-command.js";
import { backendFlag } from "../cli/flags.js";
import { switchQueues } from "../cli/queue-switch.js";

export default class Pause extends BaseCommand {
  static override summary = "Pause queues: no worker starts their tasks until resumed (stored; survives restarts)";
  static override description =
    "Running tasks finish and enqueues still work. The paused state is stored with the backend, so it holds for every worker, on every host, across restarts. `tasks resume` undoes it.";
  static override strict = false;
  static override examples = ["<%= config.bin %> pause emails", "<%= config.bin %> pause emails reports --json"];
  static override args = { queue: Args.string({ description: "Queue names", required: true }) };
  static override flags = { backend: backendFlag };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Pause);
    await switchQueues(await this.loadConfig(flags), flags, argv as string[], "pause");
  }
}
