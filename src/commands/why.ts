import * as Args from "@oclif/core/args";
import { BaseCommand } from "../cli/base-command.js";
import { backendFlag } from "../cli/flags.js";
import { openManagement, otherBackends, resolveId } from "../cli/management.js";
import { reasonsFor } from "../cli/why.js";
import { UsageError } from "../core/errors.js";
import { bold, colourStatus, dim, yellow } from "../ui/text/style.js";

export default class Why extends BaseCommand {
  static override summary = "Say what keeps a task from running or finishing, with the evidence";
  static override description =
    "Looks at the result, its queue (paused? at a concurrency or rate limit?), its key and unique limits, the workers (does a live one take its queue? is its holder alive?) and the config (is the task registered?), and names every reason that applies.";
  static override examples = ["<%= config.bin %> why 521538d8cca2", "<%= config.bin %> why 521538d8cca2 --json"];
  static override args = { id: Args.string({ description: "Result id (full, prefix or short id)", required: true }) };
  static override flags = { backend: backendFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Why);
    const config = await this.loadConfig(flags);
    const { backend, manage } = await openManagement(config, flags.backend);
    if (!manage.diagnose) throw new UsageError(`backend "${backend.alias}" (${backend.kind}) cannot explain results`);
    const id = await resolveId(manage, args.id, otherBackends(config, flags.backend));
    const diagnosis = await manage.diagnose(id);
    const reasons = reasonsFor(diagnosis, new Set(config.tasks.keys()));
    const r = diagnosis.result;
    if (flags.json) return this.printJson({ id: r.id, taskName: r.taskName, status: r.status, reasons });
    this.out(`${bold(r.taskName)} ${dim(r.id)} ${colourStatus(r.status)} ${dim(`queue ${r.queueName}`)}`);
    for (const reason of reasons) {
      this.out(`${yellow("•")} ${reason.summary}`);
      for (const line of reason.evidence) this.out(dim(`    ${line}`));
    }
  }
}
