import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, TasklaneError } from "../core/errors.js";
import { ownModule, PACKAGE_ROOT } from "../core/own-files.js";
import { isTask } from "../core/task.js";
import { implicitConfig } from "./define.js";
import { discoverConfig } from "./discover.js";
import { CONFIG_THREW } from "./messages.js";
import { type ActiveConfig, setActiveConfig } from "./registry.js";

/** This package's own entry, so `import { task } from "tasklane"` works in a config anywhere. */
function selfEntry(): string {
  const entry = ownModule("index");
  return existsSync(entry) ? entry : join(PACKAGE_ROOT, "dist", "index.js");
}

const OUR_ERRORS = new Set(["ConfigError", "InvalidTaskError", "InvalidTaskBackendError", "TasklaneError"]);

function isActiveConfig(value: unknown): value is ActiveConfig {
  return (
    typeof value === "object" && value !== null && "backends" in value && "tasks" in value && "getBackend" in value
  );
}

/** The path as the user would type it: relative to the current folder when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/** One line from a compile or runtime error, with file:line when the error carries it. */
function describeLoadError(path: string, error: unknown): string {
  const err = error as { message?: string; stack?: string };
  const message = err?.message ?? String(error);
  const first = (message.split("\n")[0] ?? "").trim();
  // jiti reports parse errors as "ParseError: <what>\n <file>:<line>:<column>".
  const parse = /^(?:ParseError|SyntaxError): (.*)$/.exec(first);
  // The failing file may be a module the config imports, not the config itself.
  const at = /(\S+):(\d+):(\d+)\s*$/.exec(message);
  if (parse && at) return `${shown(at[1] ?? path)}:${at[2]}:${at[3]}: syntax error: ${parse[1]?.trim()}`;
  const frame = (err?.stack ?? "").split("\n").find((l) => l.includes(path));
  const line = frame ? /:(\d+):\d+\)?$/.exec(frame)?.[1] : undefined;
  return `${shown(path)}${line ? `:${line}` : ""}: ${CONFIG_THREW}: ${first}`;
}

/** Errors that mean "this process cannot load that file natively" (before any of it ran). */
const NOT_NATIVE = new Set([
  "ERR_UNKNOWN_FILE_EXTENSION",
  "ERR_MODULE_NOT_FOUND",
  "ERR_REQUIRE_ESM",
  // Node's own type stripping (22.6+) refuses what only a compiler builds (an enum): jiti can.
  "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX",
  "ERR_INVALID_TYPESCRIPT_SYNTAX",
]);

/**
 * Imports the config module. `preferNative`: try the process's own loader first, so an app
 * that already runs under tsx (or plain JS) shares its task modules with the config, then
 * fall back to jiti (TypeScript without a build step; "tasklane" aliased to this package).
 */
async function importConfig(path: string, preferNative: boolean): Promise<Record<string, unknown>> {
  if (preferNative) {
    try {
      return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      if (!NOT_NATIVE.has((error as { code?: string }).code ?? "")) throw error;
    }
  }
  // jiti's CommonJS entry, required rather than imported: importing it as ESM makes Node scan its
  // 190 KB bundle for export names first (~15 ms of every command that loads a config).
  const { createJiti } = createRequire(import.meta.url)("jiti") as typeof import("jiti");
  const options = {
    alias: { tasklane: selfEntry() },
    interopDefault: false,
    // JSX in modules the config imports (an email template in .tsx), compiled as tsc's
    // "jsx": "react-jsx" does: the automatic runtime, imported from the project's react.
    jsx: { runtime: "automatic" as const },
  };
  let jiti: ReturnType<typeof createJiti>;
  try {
    // The project's tsconfig "paths" (`@/lib/db`), as tsc, tsx and bundlers resolve them: the
    // nearest tsconfig.json from the config's folder upward.
    jiti = createJiti(import.meta.url, { ...options, tsconfigPaths: dirname(path) });
  } catch {
    // A tsconfig.json that cannot be read must not stop a config that needs no paths.
    jiti = createJiti(import.meta.url, options);
  }
  return (await jiti.import(path)) as Record<string, unknown>;
}

/**
 * Loads a config file and makes it active. The CLI loads through jiti; the library's lazy
 * load (first enqueue in an app that did not import its config) prefers the app's own loader.
 */
export async function loadConfigFile(path: string, options: { preferNative?: boolean } = {}): Promise<ActiveConfig> {
  let mod: Record<string, unknown>;
  try {
    mod = await importConfig(path, options.preferNative ?? false);
  } catch (error) {
    // Compare names, not classes: the config may have run a second copy of tasklane's modules.
    if (error instanceof TasklaneError || OUR_ERRORS.has((error as Error)?.name)) {
      throw new ConfigError(`${shown(path)}: ${(error as Error).message}`);
    }
    throw new ConfigError(describeLoadError(path, error));
  }
  const config = mod.default;
  if (!isActiveConfig(config)) {
    throw new ConfigError(
      `${shown(path)}: the default export must be defineConfig({ backends, tasks }) from "tasklane"`,
    );
  }
  for (const [exportName, value] of Object.entries(mod)) {
    if (exportName !== "default" && isTask(value) && !config.isRegistered(value)) {
      throw new ConfigError(
        `${shown(path)}: exported task "${exportName}" is not registered in tasks; add it to defineConfig({ tasks: { ${exportName} } })`,
      );
    }
  }
  config.path = path;
  config.baseDir = dirname(path);
  setActiveConfig(config);
  return config;
}

/** The CLI's and library's rule: explicit path, TASKS_CONFIG, nearest file upward, else implicit. */
export async function loadConfig(
  options: { explicit?: string; cwd?: string; preferNative?: boolean } = {},
): Promise<ActiveConfig> {
  const path = discoverConfig({ explicit: options.explicit, env: process.env.TASKS_CONFIG, cwd: options.cwd });
  if (!path) {
    const config = implicitConfig();
    setActiveConfig(config);
    return config;
  }
  return loadConfigFile(path, { preferNative: options.preferNative });
}
