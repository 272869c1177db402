import { BaseCommand } from "../cli/base-command.js";
import { bold, dim, red, yellow } from "../ui/text/style.js";

export default class Check extends BaseCommand {
  static override summary = "Validate the config: backends, storage and schema, queues, tasks";
  static override description =
    "Like Django's system checks: every finding is printed on its own line with an id and a hint. Each backend's storage is opened (a SQLite file is created if missing), proved writable and checked for corruption. Exits 2 if a finding is a setup error (a bad path, a schema from a newer tasklane), 1 if storage is unusable, else 0.";
  static override examples = ["<%= config.bin %> check", "<%= config.bin %> check --json"];

  async run(): Promise<void> {
    const { flags } = await this.parse(Check);
    const config = await this.loadConfig(flags);
    const { checkExitCode, runChecks } = await import("../cli/checks.js");
    const findings = await runChecks(config);
    const exitCode = checkExitCode(findings);
    if (flags.json) {
      this.printJson({ config: config.path, ok: exitCode === 0, findings });
    } else {
      this.out(`${bold("Config")} ${config.path ?? dim("(none)")}`);
      for (const f of findings) {
        const level = f.level === "error" ? red("error") : f.level === "warning" ? yellow("warning") : dim("info");
        this.out(`${f.id} [${level}] ${f.message} ${dim(`(hint: ${f.hint})`)}`);
      }
      const problems = findings.filter((f) => f.level !== "info").length;
      this.out(problems === 0 ? "System check identified no issues." : `System check identified ${problems} issue(s).`);
    }
    if (exitCode !== 0) process.exitCode = exitCode;
  }
}
