import { hostname } from "node:os";
import type { BackendEntry } from "../config/entry.js";
import type { WorkerOptions } from "../contract/runner.js";
import type { QueueSelector } from "../contract/worker-store.js";
import { WORKER_DEFAULTS } from "../core/defaults.js";
import { UsageError } from "../core/errors.js";
import { describeValue } from "../core/validation.js";

export type { WorkerOptions } from "../contract/runner.js";

/** A worker's settings as `tasks worker` and runWorker() take them; unset means the default. */
export interface WorkerSettings {
  /** Queue names, or ["*"] for every queue. Default: every queue the backend declares. */
  queues?: string[];
  /** With queues ["*"]: queues to skip. */
  excludeQueues?: string[];
  concurrency?: number;
  intervalMs?: number;
  batch?: boolean;
  maxTasks?: number;
  startupDelay?: boolean;
  workerId?: string;
}

/** How each setting is called in messages: flags for the CLI, option names for runWorker(). */
export interface SettingNames {
  queues: string;
  excludeQueues: string;
  concurrency: string;
  intervalMs: string;
  maxTasks: string;
  workerId: string;
}

export const FLAG_NAMES: SettingNames = {
  queues: "--queue",
  excludeQueues: "--exclude-queue",
  concurrency: "--concurrency",
  intervalMs: "--interval",
  maxTasks: "--max-tasks",
  workerId: "--worker-id",
};

export function defaultWorkerId(): string {
  const suffix = Math.random().toString(36).slice(2, 8);
  return `${hostname().slice(0, 40)}-${process.pid}-${suffix}`;
}

/** A list of queue names as given (an array of strings), or a one-line UsageError. */
function queueList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((q) => typeof q === "string")) {
    throw new UsageError(`${name} must be an array of queue names, e.g. ["emails"], got ${describeValue(value)}`);
  }
  return value;
}

/** Validates a worker's settings against its backend; every problem is a one-line UsageError. */
export function resolveWorkerOptions(
  settings: WorkerSettings,
  backend: BackendEntry,
  names: SettingNames = FLAG_NAMES,
): WorkerOptions {
  const include = queueList(settings.queues, names.queues);
  const exclude = queueList(settings.excludeQueues, names.excludeQueues);
  const all = include.includes("*");
  if (all && include.length > 1) {
    throw new UsageError(`${names.queues} '*' already means every queue; drop the other ${names.queues} values`);
  }
  if (exclude.length > 0 && !all) {
    throw new UsageError(`${names.excludeQueues} only works with ${names.queues} '*' (every queue but these)`);
  }
  for (const q of include) {
    if (q === "") throw new UsageError(`${names.queues}: a queue name cannot be empty`);
    if (q !== "*" && backend.queues.length > 0 && !backend.queues.includes(q)) {
      throw new UsageError(
        `${names.queues}: "${q}" is not a queue of backend "${backend.alias}" (${backend.queues.join(", ")})`,
      );
    }
  }
  // Default: every queue the backend declares (or all, when it allows any name).
  const selector: QueueSelector =
    all || (include.length === 0 && backend.queues.length === 0)
      ? { include: "*", exclude }
      : { include: include.length > 0 ? include : backend.queues, exclude: [] };

  const concurrency = settings.concurrency ?? WORKER_DEFAULTS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    throw new UsageError(`${names.concurrency} must be an integer from 1 to 1000, got ${concurrency}`);
  }
  const maxTasks = settings.maxTasks ?? 0;
  if (!Number.isInteger(maxTasks) || maxTasks < 0) {
    throw new UsageError(`${names.maxTasks} must be an integer ≥ 0, got ${maxTasks}`);
  }
  const intervalMs = settings.intervalMs ?? WORKER_DEFAULTS.intervalMs;
  if (!(typeof intervalMs === "number" && intervalMs > 0 && Number.isFinite(intervalMs))) {
    throw new UsageError(`${names.intervalMs} must be a number of milliseconds > 0, got ${String(intervalMs)}`);
  }
  const workerId = settings.workerId ?? defaultWorkerId();
  if (workerId.trim() === "" || workerId.length > 64) {
    throw new UsageError(`${names.workerId} must be 1 to 64 characters, got ${workerId.length}`);
  }
  const heartbeatMs = backend.options.heartbeatMs;
  return {
    workerId,
    selector,
    concurrency,
    intervalMs,
    batch: settings.batch ?? false,
    maxTasks,
    startupDelay: settings.startupDelay ?? false,
    heartbeatMs: typeof heartbeatMs === "number" ? heartbeatMs : WORKER_DEFAULTS.heartbeatMs,
  };
}
