import { isBuiltinKind } from "../config/kinds.js";
import type { ActiveConfig } from "../config/registry.js";
import { Backend } from "../contract/backend.js";
import { localTimeZone } from "../contract/schedules.js";
import { foreignWorkers } from "./foreign-workers.js";

export interface Finding {
  id: string;
  level: "error" | "warning" | "info";
  message: string;
  hint: string;
}

/** Findings that mean the setup is wrong (exit 2) rather than the storage broken (exit 1). */
const CONFIG_FINDINGS = new Set(["tasklane.E002"]);

/** `tasks check`'s exit code: 2 for a setup problem, 1 for unusable storage, else 0. */
export function checkExitCode(findings: Finding[]): number {
  const errors = findings.filter((f) => f.level === "error");
  if (errors.some((f) => CONFIG_FINDINGS.has(f.id))) return 2;
  return errors.length > 0 ? 1 : 0;
}

/**
 * Django-style system checks over a loaded config. Each backend's storage is opened and
 * checked as a first use would meet it (Backend.check(): a SQLite file is created or migrated,
 * proved writable and intact); what it cannot use is an error naming the file and the fix.
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
      // A custom backend written before check() returned warnings may return nothing.
      const checked: unknown = await backend.check();
      const warnings = Array.isArray(checked) ? (checked as string[]) : [];
      // A custom backend without a check() of its own was not tested: do not call it ready.
      const checkedNothing = backend.check === Backend.prototype.check && !isBuiltinKind(entry.kind);
      findings.push({
        id: "tasklane.I001",
        level: "info",
        message: checkedNothing
          ? `backend "${entry.alias}" (${entry.kind}) loads; it has no check() of its own, so nothing was tested: ${backend.describeLocation()}`
          : `backend "${entry.alias}" (${entry.kind}) is ready: ${backend.describeLocation()}`,
        hint: entry.runsWorker
          ? "run `tasks worker` to process its tasks"
          : entry.kind === "dummy"
            ? "it never runs tasks: it keeps them for tests to look at"
            : entry.kind === "immediate"
              ? "tasks run inside enqueue, without a worker"
              : "`tasks worker` cannot run it",
      });
      for (const warning of warnings) {
        findings.push({
          id: "tasklane.W005",
          level: "warning",
          message: `backend "${entry.alias}" (${entry.kind}): ${warning}`,
          hint: "the backend works; this is a risk, not a failure",
        });
      }
      for (const message of await foreignWorkers(backend, new Set(config.tasks.keys()))) {
        findings.push({
          id: "tasklane.W007",
          level: "warning",
          message: `backend "${entry.alias}" (${entry.kind}): ${message}`,
          hint: "during a rolling deploy this passes once every worker runs the new config",
        });
      }
    } catch (error) {
      // By name: a custom backend's errors may come from another copy of tasklane.
      const setup = (error as Error).name === "ConfigError";
      findings.push({
        id: setup ? "tasklane.E002" : "tasklane.E001",
        level: "error",
        message: `backend "${entry.alias}" (${entry.kind}) cannot be used: ${(error as Error).message.split("\n")[0]}`,
        hint: setup
          ? "fix the backend's options (or upgrade tasklane), then run `tasks check` again"
          : "nothing can be enqueued or run until the storage is fixed",
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
  findings.push(...(await scheduleFindings(config)));
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

/**
 * The schedules (their expressions, zones and arguments were validated when the config loaded):
 * when each fires next, and a warning for one whose backend cannot run schedules.
 */
async function scheduleFindings(config: ActiveConfig): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const entry of config.schedules.values()) {
    const alias = entry.task.backend;
    const backend = await config.getBackend(alias).catch(() => null);
    if (!backend) continue; // already reported with its backend
    if (!backend.schedules()) {
      findings.push({
        id: "tasklane.W006",
        level: "warning",
        message: `schedule "${entry.name}" will not fire: backend "${alias}" (${backend.kind}) cannot run schedules`,
        hint: "put its task on a sqlite backend",
      });
      continue;
    }
    const next = entry.nextAfter(new Date());
    findings.push({
      id: "tasklane.I002",
      level: "info",
      // Without a zone of its own: read in this machine's here (the workers' stored zone may differ: tasks schedules).
      message: `schedule "${entry.name}" (${entry.cron}, ${entry.timezone ?? `local: ${localTimeZone()}`}) runs task "${entry.task.name}" next at ${next?.toISOString() ?? "never"}`,
      hint: "`tasks worker` processes enqueue each tick; `tasks schedules` shows the last and next runs",
    });
  }
  return findings;
}
