import type { ActiveConfig } from "../config/registry.js";

export interface Finding {
  id: string;
  level: "error" | "warning" | "info";
  message: string;
  hint: string;
}

/**
 * Django-style system checks over a loaded config. Opening each backend also checks its
 * storage (a SQLite file is created or migrated; a newer schema is reported).
 */
export async function runChecks(config: ActiveConfig): Promise<Finding[]> {
  const findings: Finding[] = [];
  if (config.isImplicit) {
    findings.push({
      id: "tasklane.W001",
      level: "warning",
      message: "no tasks.config.ts found; using one implicit immediate backend",
      hint: "run `tasks init` to create a config",
    });
  }
  if (!config.isImplicit && config.tasks.size === 0) {
    findings.push({
      id: "tasklane.W002",
      level: "warning",
      message: "no tasks are registered",
      hint: "add your tasks to defineConfig({ tasks: { … } })",
    });
  }
  for (const entry of config.backends.values()) {
    try {
      const backend = await config.getBackend(entry.alias);
      findings.push({
        id: "tasklane.I001",
        level: "info",
        message: `backend "${entry.alias}" (${entry.kind}) is ready: ${backend.describeLocation()}`,
        hint: entry.runsWorker ? "run `tasks worker` to process its tasks" : "tasks run without a worker",
      });
    } catch (error) {
      findings.push({
        id: "tasklane.E001",
        level: "error",
        message: `backend "${entry.alias}" (${entry.kind}) cannot be opened: ${(error as Error).message.split("\n")[0]}`,
        hint: "check the backend's options (path, permissions, version)",
      });
    }
    const used = [...config.tasks.values()].some((t) => t.backend === entry.alias);
    if (!config.isImplicit && !used && entry.alias !== "default") {
      findings.push({
        id: "tasklane.W003",
        level: "warning",
        message: `backend "${entry.alias}" is configured but no task uses it`,
        hint: `set backend: "${entry.alias}" on a task, or remove the backend`,
      });
    }
  }
  for (const t of config.tasks.values()) {
    if (t.takesContext && t.definition.fn.length === 0) {
      findings.push({
        id: "tasklane.W004",
        level: "warning",
        message: `task "${t.name}" has takesContext but its function declares no context parameter`,
        hint: "declare it as (context, …args) => …, or drop takesContext",
      });
    }
  }
  return findings;
}
