import type { Backend } from "../contract/backend.js";
import { ensureEnvironment, installEnvironmentLoader } from "../core/environment.js";
import type { AnyTask } from "../core/task.js";
import { loadConfig } from "./load.js";
import { type ActiveConfig, activeConfig } from "./registry.js";

// A task used before any config was made active (an app that enqueues without importing its
// tasks.config.ts) finds one the way the CLI does, preferring the app's own module loader.
installEnvironmentLoader(() => loadConfig({ preferNative: true }));

/** The active config, discovering and loading tasks.config.* on first use. */
export async function ensureConfig(): Promise<ActiveConfig> {
  return (await ensureEnvironment<AnyTask>()) as ActiveConfig;
}

/** The backend configured under `alias` (loading the config on first use). */
export async function getBackend(alias: string): Promise<Backend> {
  return (await ensureConfig()).getBackend(alias);
}

/** The backend named "default". */
export function defaultBackend(): Promise<Backend> {
  return getBackend("default");
}

/**
 * Closes every backend the active config opened (Redis connections, SQLite files). A script
 * ends on its own without it; call it to release them early (tests, a server shutting down).
 * A later use opens them again.
 */
export async function closeBackends(): Promise<void> {
  await activeConfig()?.close();
}
