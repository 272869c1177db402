import { BaseCommand } from "../cli/base-command.js";
import { describeConfig } from "../cli/describe.js";
import { bold, dim } from "../ui/text/style.js";

export default class Info extends BaseCommand {
  static override summary = "Show the configured backends (with capabilities) and tasks";
  static override examples = [
    "<%= config.bin %> info",
    "<%= config.bin %> info --json",
    "<%= config.bin %> info --config ./app/tasks.config.ts",
  ];

  async run(): Promise<void> {
    const { flags } = await this.parse(Info);
    const config = await this.loadConfig(flags.config);
    const info = describeConfig(config);
    if (flags.json) return this.printJson(info);

    this.out(`${bold("Config")}  ${info.config ?? dim("none found: using the implicit immediate backend")}`);
    this.out();
    this.out(bold("Backends"));
    for (const b of info.backends) {
      const caps = (["supportsDefer", "supportsAsyncTask", "supportsGetResult", "supportsPriority"] as const)
        .map((k) => `${k.replace("supports", "").replace(/^./, (c) => c.toLowerCase())}:${b[k] ? "yes" : "no"}`)
        .join(" ");
      this.out(`  ${bold(b.alias)} (${b.kind})  queues: ${b.queues.length ? b.queues.join(", ") : dim("any")}`);
      this.out(`    ${caps}`);
      const options = Object.entries(b.options);
      if (options.length) this.out(`    options: ${options.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`);
    }
    this.out();
    this.out(bold("Tasks"));
    if (info.tasks.length === 0) this.out(dim("  (none registered)"));
    for (const t of info.tasks) {
      const extras = [
        `backend=${t.backend}`,
        `queue=${t.queueName}`,
        `priority=${t.priority}`,
        t.takesContext ? "takesContext" : "",
        t.maxAttempts > 1 ? `maxAttempts=${t.maxAttempts}` : "",
        t.backoff ? `backoff=${t.backoff.type}:${t.backoff.delayMs}ms` : "",
      ].filter(Boolean);
      this.out(`  ${bold(t.name)}  ${dim(extras.join(" "))}`);
    }
  }
}
