import { Command } from "@oclif/core/command";
import * as Flags from "@oclif/core/flags";
import type { ActiveConfig } from "../config/registry.js";
import { printableJson } from "../ui/text/printable.js";
import { reportCommandError } from "./command-errors.js";
import { loadProjectConfig } from "./project-config.js";

/**
 * Shared by every command: --config and --json, config loading, one-line errors with the
 * right exit code (2 usage/config, 1 failure), and closing backends so the process can exit.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    config: Flags.string({
      char: "c",
      description: "Path to tasks.config.ts (default: TASKS_CONFIG, else the nearest one upward)",
      helpGroup: "GLOBAL",
    }),
    json: Flags.boolean({ description: "Print machine-readable JSON", helpGroup: "GLOBAL", default: false }),
    dotenv: Flags.string({
      description: "Load environment variables from this file (a .env) before the config; variables already set win",
      helpGroup: "GLOBAL",
    }),
  };

  #config: ActiveConfig | undefined;

  /**
   * Loads the config named by --config / TASKS_CONFIG / discovery, after --dotenv's variables
   * (project-config.ts); closed when the command ends.
   */
  protected async loadConfig(flags: { config?: string; dotenv?: string }): Promise<ActiveConfig> {
    this.#config = await loadProjectConfig(flags);
    return this.#config;
  }

  /** Writes one line to stdout (this.log is console.log, which Ink may patch). */
  protected out(text = ""): void {
    process.stdout.write(`${text}\n`);
  }

  /** Pretty JSON on stdout, DEL and C1 characters escaped too (printableJson): args and return values are a task's. */
  protected printJson(value: unknown): void {
    process.stdout.write(`${printableJson(JSON.stringify(value, null, 2) ?? "null")}\n`);
  }

  override async catch(error: Error & { oclif?: { exit?: number }; code?: string }): Promise<void> {
    if (error.oclif?.exit !== undefined && error.name === "ExitError") throw error;
    const isParseError = reportCommandError(error, this.id ?? "");
    // oclif warns "did not parse its arguments" outside production when parsing threw; the
    // error above already says what was wrong.
    if (isParseError) this.parsed = true;
  }

  override async finally(error: Error | undefined): Promise<void> {
    await this.#config?.close();
    await super.finally(error);
  }
}
