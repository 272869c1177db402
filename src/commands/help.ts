import * as Args from "@oclif/core/args";
import { Command } from "@oclif/core/command";
import { loadHelpClass } from "@oclif/core/help";

/** `tasks help [COMMAND]`: the same help as `tasks --help` / `tasks COMMAND --help` (and `-h`). */
export default class Help extends Command {
  static override summary = "Show help for tasks, or for one of its commands";
  static override strict = false;
  static override examples = ["<%= config.bin %> help", "<%= config.bin %> help worker", "<%= config.bin %> worker -h"];
  static override args = { command: Args.string({ description: "The command to explain" }) };

  async run(): Promise<void> {
    const { argv } = await this.parse(Help);
    const [name] = argv as string[];
    if (name !== undefined && !this.config.findCommand(name)) {
      process.stderr.write(`Error: no command "${name}"; \`tasks help\` lists them all\n`);
      process.exitCode = 2;
      return;
    }
    const HelpClass = await loadHelpClass(this.config);
    await new HelpClass(this.config).showHelp(argv as string[]);
  }
}
