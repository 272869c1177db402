import { isBuiltinKind } from "../config/kinds.js";
import type { ActiveConfig } from "../config/registry.js";
import type { Backend } from "../contract/backend.js";
import type { ManagementStore } from "../contract/management.js";
import { UsageError } from "../core/errors.js";

/** The backend named by --backend and its management operations, or a one-line usage error. */
export async function openManagement(
  config: ActiveConfig,
  alias: string,
): Promise<{ backend: Backend; manage: ManagementStore }> {
  const entry = config.backends.get(alias);
  if (!entry) {
    throw new UsageError(
      `--backend: no backend "${alias}" in ${config.describe()} (configured: ${[...config.backends.keys()].join(", ")})`,
    );
  }
  const backend = await config.getBackend(alias);
  const manage = backend.management();
  if (!manage) {
    throw new UsageError(
      isBuiltinKind(entry.kind)
        ? `backend "${alias}" is ${entry.kind}: it keeps no results to inspect; use a sqlite backend${config.isImplicit ? " (no tasks.config.ts was found)" : ""}`
        : `backend "${alias}" (${entry.kind}) has no management(): implement it to list, inspect or change its results from the CLI`,
    );
  }
  return { backend, manage };
}

/**
 * Where else an id may be, for a config of several backends: ` in backend "default" (the config
 * has others: reports, emails; --backend NAME looks in one)`, or nothing when this is the only
 * one. It names no backend to try: none was asked whether it holds the id (looking would open
 * each, creating a SQLite file or waiting on a Redis server), and the first was often wrong.
 */
export function otherBackends(config: ActiveConfig, alias: string): string {
  const others = [...config.backends.values()].filter((e) => e.alias !== alias && e.runsWorker).map((e) => e.alias);
  if (others.length === 0) return "";
  return ` in backend "${alias}" (the config has others: ${others.join(", ")}; --backend NAME looks in one)`;
}

/**
 * Shortest-first candidates for an id the user typed: exact, a unique prefix, or the short id
 * `results` prints. `elsewhere` ends the error for an id found nowhere (otherBackends).
 */
export async function resolveId(manage: ManagementStore, typed: string, elsewhere = ""): Promise<string> {
  const fragment = typed.trim().toLowerCase();
  if (fragment.length < 4) throw new UsageError(`id "${typed}" is too short; give at least 4 characters`);
  const matches = await manage.findByIdFragment(fragment, 6);
  if (matches.length === 1 && matches[0]) return matches[0].id;
  if (matches.length === 0) throw new UsageError(`no task result with an id matching "${typed}"${elsewhere}`);
  const shown = matches
    .slice(0, 5)
    .map((m) => `${m.id} (${m.taskName}, ${m.status})`)
    .join("; ");
  throw new UsageError(`id "${typed}" is ambiguous: ${shown}${matches.length > 5 ? "; …" : ""}`);
}
