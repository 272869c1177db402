import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../core/errors.js";

export const CONFIG_NAMES = ["tasks.config.ts", "tasks.config.mts", "tasks.config.js", "tasks.config.mjs"];

/**
 * Finds the config file: an explicit path (--config), else TASKS_CONFIG, else the nearest
 * tasks.config.{ts,mts,js,mjs} from `cwd` upward. Null when nothing is found.
 */
export function discoverConfig(options: { explicit?: string; env?: string; cwd?: string } = {}): string | null {
  const cwd = options.cwd ?? process.cwd();
  const given = options.explicit ?? (options.env || undefined);
  if (given !== undefined) {
    const source = options.explicit !== undefined ? "--config" : "TASKS_CONFIG";
    const path = resolve(cwd, given);
    if (!existsSync(path)) throw new ConfigError(`Config file not found: ${path} (from ${source})`);
    if (!statSync(path).isFile()) throw new ConfigError(`Config path is not a file: ${path} (from ${source})`);
    return path;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    if (dirname(dir) === dir) return null;
  }
}

/** For messages: where the upward search looked. */
export function searchedFrom(cwd = process.cwd()): string {
  return `no ${CONFIG_NAMES[0]} (or .mts/.js/.mjs) in ${resolve(cwd)} or any parent folder`;
}
