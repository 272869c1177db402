import type { ActiveConfig } from "../config/registry.js";
import { closestNames } from "./closest.js";

/**
 * Why a `--task` / `--queue` filter may have matched nothing: the values the config does not
 * know (a typo, most often), each with the name it most likely meant. Unknown names stay
 * allowed as filters (results of a task since removed from the config are still stored), so
 * this is only said when nothing matched. Undefined when every value is known.
 */
export function unknownFilterHint(
  config: ActiveConfig,
  alias: string,
  filters: { tasks?: readonly string[]; queues?: readonly string[] },
): string | undefined {
  const hints: string[] = [];
  const taskNames = [...config.tasks.keys()];
  for (const name of filters.tasks ?? []) {
    if (!config.tasks.has(name)) hints.push(`no task "${name}" in the config${meant(name, taskNames)}`);
  }
  const queues = config.backends.get(alias)?.queues ?? [];
  for (const name of filters.queues ?? []) {
    if (queues.length > 0 && !queues.includes(name)) {
      hints.push(`no queue "${name}" in backend "${alias}"${meant(name, queues)}`);
    }
  }
  return hints.length > 0 ? hints.join("; ") : undefined;
}

/** " (did you mean \"emails\"?)", or the known names, or nothing. */
export function meant(typed: string, names: readonly string[]): string {
  const close = closestNames(typed, names);
  if (close.length > 0) return ` (did you mean ${close.map((n) => `"${n}"`).join(" or ")}?)`;
  return names.length > 0 ? ` (known: ${names.join(", ")})` : "";
}
