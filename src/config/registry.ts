import type { Backend } from "../contract/backend.js";
import { activeEnvironment, installEnvironment, type TaskEnvironment } from "../core/environment.js";
import { ConfigError } from "../core/errors.js";
import type { AnyTask } from "../core/task.js";
import type { BackendEntry } from "./entry.js";
import { checkTaskAgainst } from "./rules.js";
import type { ScheduleEntry } from "./schedules.js";

export type { BackendEntry } from "./entry.js";

/**
 * The loaded config: backends by alias and tasks by registered name. Once active it is the
 * environment tasks use (core/environment.ts): their rules and their backends.
 */
export class ActiveConfig implements TaskEnvironment<AnyTask> {
  readonly backends: Map<string, BackendEntry>;
  readonly tasks: Map<string, AnyTask>;
  /** Schedules by name (validated: registered tasks, parsed expressions). */
  readonly schedules = new Map<string, ScheduleEntry>();
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

  /** Every rule that needs this config (InvalidTaskError / InvalidTaskBackendError). */
  check(task: AnyTask): void {
    checkTaskAgainst(task, this);
  }

  backend(alias: string): Promise<Backend> {
    return this.getBackend(alias);
  }

  /**
   * The schedules whose task runs on this backend, or on another alias of the same store (one
   * SQLite file, one Redis prefix): a worker's sync makes the store hold exactly these.
   */
  schedulesOf(alias: string): ScheduleEntry[] {
    const store = this.backends.get(alias)?.store ?? null;
    const sharing = (other: string) => other === alias || (store !== null && this.backends.get(other)?.store === store);
    return [...this.schedules.values()].filter((entry) => sharing(entry.task.backend));
  }

  /**
   * The queues an operation on this backend's finished results keeps to (prune, retention):
   * its own, when another alias shares its store and it names them; else undefined, every queue
   * of the store (one with `queues: []` has no queues of its own to keep to).
   */
  ownQueues(alias: string): string[] | undefined {
    const entry = this.backends.get(alias);
    if (!entry || entry.store === null || entry.queues.length === 0) return undefined;
    const shared = [...this.backends.values()].some((other) => other.alias !== alias && other.store === entry.store);
    return shared ? [...entry.queues] : undefined;
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

/** The active config, or null when none is (tasks then load one on first use). */
export function activeConfig(): ActiveConfig | null {
  return activeEnvironment<AnyTask>() as ActiveConfig | null;
}

/** Makes `config` the one tasks use (null: none, so the next use loads one). */
export function setActiveConfig(config: ActiveConfig | null): void {
  installEnvironment(config);
}
