import { ConfigError } from "./errors.js";
import type { JsonValue } from "./json.js";
import type { TaskResult } from "./result.js";
import type { UniqueHold } from "./task-controls.js";

/** One task to store: the validated, JSON-checked request a `Task.enqueue` hands its backend. */
export interface EnqueueRequest {
  taskName: string;
  args: JsonValue[];
  queueName: string;
  priority: number;
  runAfter: Date | null;
  maxAttempts: number;
  /** The attempt deadline, when the task (or its using() copy) sets one. */
  timeoutMs?: number | null;
  /** Set for a unique task: the key it holds and for how long. */
  unique?: UniqueHold;
  /** Set for a task with a per-key concurrency limit. */
  concurrency?: { key: string; limit: number };
  /** The schedule this enqueue is a tick of. */
  schedule?: string;
}

/** What a task needs from its backend: store calls, read results. `Backend` implements it. */
export interface TaskBackend<T> {
  enqueueMany(task: T, requests: EnqueueRequest[]): Promise<TaskResult[]>;
  getResult(id: string): Promise<TaskResult>;
}

/**
 * Where tasks find their backends and the rules that need a config (queue names, capabilities,
 * registration). Core never imports the config: the config layer installs one of these when a
 * config becomes active, and a loader that finds and loads `tasks.config.*` on first use.
 */
export interface TaskEnvironment<T> {
  /** Throws InvalidTaskError / InvalidTaskBackendError when the task breaks a config rule. */
  check(task: T): void;
  backend(alias: string): Promise<TaskBackend<T>>;
}

interface EnvironmentState {
  // biome-ignore lint/suspicious/noExplicitAny: one slot shared by every task type.
  active: TaskEnvironment<any> | null;
  // biome-ignore lint/suspicious/noExplicitAny: idem.
  loader: (() => Promise<TaskEnvironment<any>>) | null;
  // biome-ignore lint/suspicious/noExplicitAny: idem.
  loading: Promise<TaskEnvironment<any>> | null;
}

// On globalThis: a config loaded through jiti may run a second copy of these modules, and both
// copies must see the same environment.
const holder = globalThis as { [key: symbol]: EnvironmentState | undefined };
const KEY = Symbol.for("tasklane.environment");
holder[KEY] ??= { active: null, loader: null, loading: null };
const state: EnvironmentState = holder[KEY];

/** Makes `environment` the one tasks use (the config layer calls this when a config becomes active). */
export function installEnvironment<T>(environment: TaskEnvironment<T> | null): void {
  state.active = environment;
  state.loading = null;
}

/** How to find an environment when a task is used before any config was made active. */
export function installEnvironmentLoader<T>(loader: () => Promise<TaskEnvironment<T>>): void {
  state.loader = loader;
}

/** The active environment, or null when no config has been made active yet. */
export function activeEnvironment<T>(): TaskEnvironment<T> | null {
  return state.active;
}

/** The active environment, loading one through the installed loader on first use. */
export async function ensureEnvironment<T>(): Promise<TaskEnvironment<T>> {
  if (state.active) return state.active;
  const loader = state.loader;
  if (!loader) {
    throw new ConfigError('no config is active and no config loader is installed; import from "tasklane"');
  }
  state.loading ??= loader().then(
    (environment) => {
      state.loading = null;
      return environment;
    },
    (error: unknown) => {
      state.loading = null;
      throw error;
    },
  );
  return state.loading;
}
