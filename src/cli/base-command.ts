import { Command } from "@oclif/core/command";
import * as Flags from "@oclif/core/flags";
import type * as Interfaces from "@oclif/core/interfaces";
import type { ActiveConfig } from "../config/registry.js";
import { TasklaneError } from "../core/errors.js";

/** Errors that mean "you asked for something wrong" (exit 2), as opposed to "it failed" (exit 1). */
const USAGE_ERRORS = new Set([
  "ConfigError",
  "InvalidTaskError",
  "InvalidTaskBackendError",
  "UsageError",
  "TaskResultDoesNotExist",
  "TaskResultMismatch",
]);

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)["baseFlags"] & T["flags"]
>;

/** Plain words for the storage errors an operator can act on. */
function storageHint(code: string | undefined): string {
  if (!code) return "";
  if (code.startsWith("SQLITE_BUSY")) return " (another process held the database lock longer than busyTimeoutMs)";
  if (code.startsWith("SQLITE_READONLY") || code === "EACCES" || code === "EROFS") {
    return " (the database file or its folder is not writable by this user)";
  }
  if (code.startsWith("SQLITE_CANTOPEN")) return " (check the backend's path option and the folder's permissions)";
  return "";
}

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
  };

  #config: ActiveConfig | undefined;

  /** Loads the config named by --config / TASKS_CONFIG / discovery (lazy: jiti is heavy). */
  protected async loadConfig(explicit: string | undefined): Promise<ActiveConfig> {
    const { loadConfig } = await import("../config/load.js");
    this.#config = await loadConfig({ explicit });
    return this.#config;
  }

  /** Writes one line to stdout (this.log is console.log, which Ink may patch). */
  protected out(text = ""): void {
    process.stdout.write(`${text}\n`);
  }

  protected printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  override async catch(error: Error & { oclif?: { exit?: number }; code?: string }): Promise<void> {
    if (error.oclif?.exit !== undefined && error.name === "ExitError") throw error;
    const isOurs = error instanceof TasklaneError || USAGE_ERRORS.has(error.name);
    const isParseError =
      error.oclif?.exit !== undefined || /^(Nonexistent flag|Unexpected argument|Missing)/.test(error.message);
    const code = isParseError ? 2 : isOurs && USAGE_ERRORS.has(error.name) ? 2 : 1;
    // oclif's parse errors span lines ("Parsing --x\n\tExpected an integer…\nSee more help…").
    const lines = (error.message || String(error)).split("\n").map((l) => l.trim());
    const firstLine = isParseError
      ? lines
          .filter((l) => l && !l.startsWith("See more help"))
          .join(": ")
          .replace(/::/g, ":")
      : lines[0];
    const hint = isParseError ? ` (see: tasks ${this.id ?? ""} --help)` : storageHint(error.code);
    process.stderr.write(`Error: ${firstLine}${hint}\n`);
    if (process.env.DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = code;
    // oclif warns "did not parse its arguments" outside production when parsing threw; the
    // error above already says what was wrong.
    if (isParseError) this.parsed = true;
  }

  override async finally(error: Error | undefined): Promise<void> {
    await this.#config?.close();
    await super.finally(error);
  }
}
