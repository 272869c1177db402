import type { ActiveConfig, BackendEntry } from "../config/registry.js";
import type { AnyTask } from "../core/task.js";

/** Replaces secret option values and passwords inside URLs with "***". */
export function redactOptions(entry: BackendEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry.options)) {
    if (entry.secretKeys.includes(key) || /password|secret|token/i.test(key)) out[key] = "***";
    else if (typeof value === "string" && /^[a-z][a-z0-9+.-]*:\/\/[^@/]*:[^@/]*@/i.test(value)) {
      out[key] = value.replace(/(:\/\/[^:/@]*:)[^@/]*@/, "$1***@");
    } else out[key] = value;
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
  };
}

export function describeConfig(config: ActiveConfig) {
  return {
    config: config.path,
    backends: [...config.backends.values()].map(describeBackend),
    tasks: [...config.tasks.values()].map(describeTask),
  };
}
