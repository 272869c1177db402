import type { ActiveConfig, BackendEntry } from "../config/registry.js";
import { REDACTED, redactValue } from "../core/redact.js";
import type { AnyTask } from "../core/task.js";
import type { UniqueScope } from "../core/task-controls.js";

/**
 * The options for display: declared secret options and every value under a secret-looking name
 * (password, token, …, nested too) become "***", and URLs lose their credentials (a userinfo
 * password, `?password=`), in any form a client library accepts.
 */
export function redactOptions(entry: BackendEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry.options)) {
    out[key] = entry.secretKeys.includes(key) ? REDACTED : redactValue(value, key);
  }
  return out;
}

export function describeBackend(entry: BackendEntry) {
  return {
    alias: entry.alias,
    kind: entry.kind,
    queues: entry.queues,
    ...entry.capabilities,
    runsWorker: entry.runsWorker,
    limits: entry.limits,
    retention: entry.retention && {
      olderThan: entry.retention.olderThan,
      failedOlderThan: entry.retention.failedOlderThan,
    },
    options: redactOptions(entry),
  };
}

export function describeTask(task: AnyTask) {
  return {
    name: task.name,
    backend: task.backend,
    queueName: task.queueName,
    priority: task.priority,
    takesContext: task.takesContext,
    maxAttempts: task.maxAttempts,
    backoff: task.backoff ?? null,
    timeoutMs: task.timeoutMs,
    unique: describeUnique(task.unique),
    concurrency: task.definition.concurrency ? { limit: task.definition.concurrency.limit } : null,
  };
}

/** A task's `unique` option as `tasks info` shows it: its scope, and whether its key is the arguments or a function. */
function describeUnique(unique: AnyTask["unique"]): { scope: UniqueScope; key: "arguments" | "function" } | null {
  if (!unique) return null;
  if (unique === true) return { scope: "active", key: "arguments" };
  return { scope: unique.scope ?? "active", key: unique.key ? "function" : "arguments" };
}

export function describeConfig(config: ActiveConfig) {
  return {
    config: config.path,
    backends: [...config.backends.values()].map(describeBackend),
    tasks: [...config.tasks.values()].map(describeTask),
  };
}
