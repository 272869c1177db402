import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as Flags from "@oclif/core/flags";
import { BaseCommand } from "../cli/base-command.js";
import { ignoreDataDir } from "../cli/gitignore.js";
import { STARTER_CONFIG, STARTER_DATA_DIR } from "../cli/starter-config.js";
import { UsageError } from "../core/errors.js";

export default class Init extends BaseCommand {
  static override summary = "Write a starter tasks.config.ts in the current folder";
  static override examples = ["<%= config.bin %> init", "<%= config.bin %> init --force"];
  static override flags = {
    force: Flags.boolean({ description: "Overwrite an existing tasks.config.ts", default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Init);
    const path = resolve(process.cwd(), "tasks.config.ts");
    if (existsSync(path) && !flags.force) {
      throw new UsageError(`${path} already exists; pass --force to overwrite it`);
    }
    // "wx" when not forcing: never clobber a file created between the check and the write.
    writeFileSync(path, STARTER_CONFIG, { flag: flags.force ? "w" : "wx" });
    const gitignore = ignoreDataDir(process.cwd());
    if (flags.json) return this.printJson({ created: path, gitignore });
    this.out(`Created ${path}`);
    if (gitignore === "added") this.out(`Added ${STARTER_DATA_DIR}/ to .gitignore: the task database is local state`);
    if (gitignore === "created")
      this.out(`Created .gitignore with ${STARTER_DATA_DIR}/: the task database is local state`);
    this.out("Next: npx tasks enqueue add 2 3   then   npx tasks worker --batch");
  }
}
