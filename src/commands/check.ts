import { BaseCommand } from "../cli/base-command.js";
import { bold, dim, red, yellow } from "../ui/text/style.js";

export default class Check extends BaseCommand {
  static override summary = "Validate the config: backends, storage and schema, queues, tasks";
  static override description =
    "Like Django's system checks: every finding is printed on its own line with an id and a hint. Exits 1 if any finding is an error.";
  static override examples = ["<%= config.bin %> check", "<%= config.bin %> check --json"];

  async run(): Promise<void> {
    const { flags } = await this.parse(Check);
    const config = await this.loadConfig(flags.config);
    const { runChecks } = await import("../cli/checks.js");
    const findings = await runChecks(config);
    const errors = findings.filter((f) => f.level === "error").length;
    if (flags.json) {
      this.printJson({ config: config.path, ok: errors === 0, findings });
    } else {
      this.out(`${bold("Config")} ${config.path ?? dim("(none)")}`);
      for (const f of findings) {
        const level = f.level === "error" ? red("error") : f.level === "warning" ? yellow("warning") : dim("info");
        this.out(`${f.id} [${level}] ${f.message} ${dim(`(hint: ${f.hint})`)}`);
      }
      const problems = findings.filter((f) => f.level !== "info").length;
      this.out(problems === 0 ? "System check identified no issues." : `System check identified ${problems} issue(s).`);
    }
    if (errors > 0) process.exitCode = 1;
  }
}
