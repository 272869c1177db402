import type { Backend } from "../contract/backend.js";
import type { WorkerInfo } from "../contract/workers.js";

/** Task names and workers named at most in one warning. */
const SHOWN = 5;

const list = (names: string[]): string =>
  names.length > SHOWN ? `${names.slice(0, SHOWN).join(", ")}, … (${names.length})` : names.join(", ");

/**
 * `tasks check`: running workers of a backend whose config registers other tasks than this one
 * (only backends that record them do: redis). Two apps on one storage (the same Redis prefix)
 * take each other's tasks, and a worker that does not know a task fails it TaskNotFound. One
 * message per distinct difference, naming the workers and the tasks.
 */
export async function foreignWorkers(backend: Backend, declared: ReadonlySet<string>): Promise<string[]> {
  const workers = (await backend.management()?.workers()) ?? [];
  const groups = new Map<string, { unknown: string[]; missing: string[]; workers: WorkerInfo[] }>();
  for (const worker of workers) {
    if (worker.state !== "running" || !worker.tasks) continue;
    const knows = new Set(worker.tasks);
    const unknown = worker.tasks.filter((name) => !declared.has(name));
    const missing = [...declared].filter((name) => !knows.has(name)).sort();
    if (unknown.length === 0 && missing.length === 0) continue;
    const key = JSON.stringify([unknown, missing]);
    const group = groups.get(key) ?? { unknown, missing, workers: [] };
    group.workers.push(worker);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ unknown, missing, workers: found }) => {
    const who =
      found.length === 1
        ? `worker ${found[0]?.id} (${found[0]?.hostname}, pid ${found[0]?.pid}) runs`
        : `${found.length} workers (${list(found.map((w) => w.id))}) run`;
    const differs = [
      unknown.length > 0 ? `tasks this config does not declare (${list(unknown)})` : null,
      missing.length > 0 ? `without tasks it declares (${list(missing)})` : null,
    ]
      .filter(Boolean)
      .join(" and ");
    return `${who} a config with ${differs}: another app (or another version of this one) uses the same storage, and a worker fails a task it does not know (TaskNotFound); give each app its own storage (a redis prefix of its own)`;
  });
}
