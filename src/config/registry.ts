import type { Backend, BackendCapabilities } from "../contract/backend.js";
import { ConfigError } from "../core/errors.js";
import type { AnyTask } from "../core/task.js";

/** One configured backend: enough to validate tasks synchronously, and a lazy factory. */
export interface BackendEntry {
  alias: string;
  kind: string;
  queues: string[];
  options: Record<string, unknown>;
  capabilities: BackendCapabilities;
  /** Whether `tasks worker` can run this backend. */
  runsWorker: boolean;
  /** Option keys whose values `tasks info` must redact. */
  secretKeys: string[];
  create(): Promise<Backend>;
}

/** The loaded config: backends by alias and tasks by registered name. */
export class ActiveConfig {
  readonly backends: Map<string, BackendEntry>;
  readonly tasks: Map<string, AnyTask>;
  /** The config file once the loader knows it; null for a config built in code or implicit. */
  path: string | null = null;
  /** The folder relative option paths resolve against (the config file's folder). */
  baseDir: string;
  /** True when no config file exists and the default immediate backend is used. */
  readonly isImplicit: boolean;
  readonly #instances = new Map<string, Promise<Backend>>();

  constructor(options: { tasks: Map<string, AnyTask>; baseDir: string; isImplicit?: boolean }) {
    this.backends = new Map();
    this.tasks = options.tasks;
    this.baseDir = options.baseDir;
    this.isImplicit = options.isImplicit ?? false;
  }

  describe(): string {
    return this.path ?? "tasks.config.ts";
  }

  /**
   * True when this task (or a `using()` copy of it) is registered. A config loaded lazily
   * through jiti holds its own copy of the app's modules, so a task from the app's copy is
   * matched by its registered name, else by its function's source text.
   */
  isRegistered(task: AnyTask): boolean {
    const byName = this.tasks.get(task.name);
    if (byName?.definition === task.definition) return true;
    if (task.definition.registeredName !== undefined) return false;
    const source = task.definition.fn.toString();
    const matches = [...this.tasks.values()].filter((t) => t.definition.fn.toString() === source);
    if (matches.length !== 1) return false;
    task.definition.registeredName = matches[0]?.name;
    return true;
  }

  /** The backend for an alias, created once and shared. */
  getBackend(alias: string): Promise<Backend> {
    const entry = this.backends.get(alias);
    if (!entry) {
      return Promise.reject(
        new ConfigError(
          `No backend "${alias}" in ${this.describe()}; configured: ${[...this.backends.keys()].join(", ")}`,
        ),
      );
    }
    let instance = this.#instances.get(alias);
    if (!instance) {
      instance = entry.create();
      this.#instances.set(alias, instance);
      instance.catch(() => this.#instances.delete(alias));
    }
    return instance;
  }

  /** Closes every backend that was opened. */
  async close(): Promise<void> {
    const opened = [...this.#instances.values()];
    this.#instances.clear();
    await Promise.all(opened.map(async (p) => (await p.catch(() => null))?.close()));
  }
}

interface RegistryState {
  active: ActiveConfig | null;
  loading: Promise<ActiveConfig> | null;
}

// On globalThis: a config imported through jiti may run a second copy of this module, and
// both copies must see the same active config.
const holder = globalThis as { [key: symbol]: RegistryState | undefined };
const KEY = Symbol.for("tasklane.registry");
holder[KEY] ??= { active: null, loading: null };
const state: RegistryState = holder[KEY];

export function activeConfig(): ActiveConfig | null {
  return state.active;
}

export function setActiveConfig(config: ActiveConfig | null): void {
  state.active = config;
  state.loading = null;
}

/** The active config, discovering and loading tasks.config.* on first use. */
export async function ensureConfig(): Promise<ActiveConfig> {
  if (state.active) return state.active;
  if (!state.loading) {
    const { loadConfig } = await import("./load.js");
    state.loading = loadConfig({ preferNative: true }).catch((error: unknown) => {
      state.loading = null;
      throw error;
    });
  }
  return state.loading;
}
