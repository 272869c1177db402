import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { Command } from "@oclif/core/command";
import * as Flags from "@oclif/core/flags";
import type * as Interfaces from "@oclif/core/interfaces";
import { CONFIG_THREW } from "../config/messages.js";
import type { ActiveConfig } from "../config/registry.js";
import { ConfigError, TasklaneError, UsageError } from "../core/errors.js";
import { printableJson } from "../ui/text/printable.js";

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
 * --dotenv: its variables into process.env, never over one already set (as node --env-file
 * does). The flag is not called --env-file because Node 20 itself acts on an `--env-file` among
 * a script's own arguments, at start-up: it loads the file, or exits 9 when it is missing.
 */
function loadEnvFile(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(
      code === "ENOENT" ? `--dotenv: no file ${path}` : `--dotenv: cannot read ${path} (${code ?? "error"})`,
    );
  }
  for (const [name, value] of Object.entries(parseEnv(text))) process.env[name] ??= value;
}

/**
 * Whether Node runs this CLI with a module loader of the user's (`node --import tsx …`, or the
 * same in NODE_OPTIONS): the config then loads through it, as the app's code does, and jiti is
 * only the fallback. For what jiti cannot compile, such as legacy decorators on class fields.
 */
function runsUnderLoader(): boolean {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return args.some((arg) => /^(--import|--loader|--experimental-loader|--require|-r)(=|$)/.test(arg));
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
    dotenv: Flags.string({
      description: "Load environment variables from this file (a .env) before the config; variables already set win",
      helpGroup: "GLOBAL",
    }),
  };

  #config: ActiveConfig | undefined;

  /**
   * Loads the config named by --config / TASKS_CONFIG / discovery (lazy: jiti is heavy), after
   * the variables of --dotenv: the config runs app code, which often reads them as it loads.
   */
  protected async loadConfig(flags: { config?: string; dotenv?: string }): Promise<ActiveConfig> {
    const envFile = flags.dotenv;
    if (envFile !== undefined) loadEnvFile(envFile);
    const { loadConfig } = await import("../config/load.js");
    try {
      this.#config = await loadConfig({ explicit: flags.config, preferNative: runsUnderLoader() });
    } catch (error) {
      // The usual cause when a .env sits right here: the app's code wants a variable it holds.
      if (
        envFile === undefined &&
        error instanceof ConfigError &&
        error.message.includes(CONFIG_THREW) &&
        existsSync(".env")
      ) {
        throw new ConfigError(`${error.message} (tasks reads no .env by itself: pass --dotenv .env)`);
      }
      throw error;
    }
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
    // tasklane's own errors are worded already (a StorageError keeps SQLite's code for callers).
    const hint = isParseError
      ? ` (see: tasks ${this.id ?? ""} --help)`
      : error instanceof TasklaneError
        ? ""
        : storageHint(error.code);
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
