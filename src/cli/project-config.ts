import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { CONFIG_THREW } from "../config/messages.js";
import type { ActiveConfig } from "../config/registry.js";
import { ConfigError, UsageError } from "../core/errors.js";

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
 * Loads the config named by --config / TASKS_CONFIG / discovery (lazy: jiti is heavy), after
 * the variables of --dotenv: the config runs app code, which often reads them as it loads.
 */
export async function loadProjectConfig(flags: { config?: string; dotenv?: string }): Promise<ActiveConfig> {
  const envFile = flags.dotenv;
  if (envFile !== undefined) loadEnvFile(envFile);
  const { loadConfig } = await import("../config/load.js");
  try {
    return await loadConfig({ explicit: flags.config, preferNative: runsUnderLoader() });
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
}
