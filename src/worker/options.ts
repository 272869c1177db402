import { hostname } from "node:os";
import type { QueueSelector } from "../contract/backend.js";
import type { BackendEntry } from "../config/registry.js";
import { UsageError } from "../core/errors.js";

export interface WorkerOptions {
  workerId: string;
  selector: QueueSelector;
  /** How many tasks may run at once (async tasks overlap; sync ones run one after another). */
  concurrency: number;
  /** Idle fallback: how long to sleep when nothing is ready and no change was noticed. */
  intervalMs: number;
  /** Exit once nothing is ready (after running tasks finish). */
  batch: boolean;
  /** Exit after claiming this many tasks (failed ones count), 0 = no limit. */
  maxTasks: number;
  /** Sleep a random 0–1 s before the first claim, so many workers started together spread out. */
  startupDelay: boolean;
  heartbeatMs: number;
}

export interface RawWorkerFlags {
  queue?: string[];
  "exclude-queue"?: string[];
  concurrency: number;
  interval: string;
  batch: boolean;
  "max-tasks"?: number;
  "startup-delay": boolean;
  "worker-id"?: string;
}

export function defaultWorkerId(): string {
  const suffix = Math.random().toString(36).slice(2, 8);
  return `${hostname().slice(0, 40)}-${process.pid}-${suffix}`;
}

/** Seconds ("0.5", "2") or a duration with a unit ("500ms", "2s"). */
function parseInterval(text: string): number {
  const trimmed = text.trim();
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(trimmed);
  if (!match?.[1]) {
    throw new UsageError(`--interval: "${text}" is not a duration; use seconds (1, 0.5) or a unit (500ms, 2s, 1m)`);
  }
  const value = Number(match[1]);
  const factor = match[2] === "ms" ? 1 : match[2] === "m" ? 60_000 : 1000;
  return Math.round(value * factor);
}

/** Validates the worker flags against the chosen backend; every problem is a one-line UsageError. */
export function resolveWorkerOptions(flags: RawWorkerFlags, backend: BackendEntry): WorkerOptions {
  const include = flags.queue ?? [];
  const exclude = flags["exclude-queue"] ?? [];
  const all = include.includes("*");
  if (all && include.length > 1)
    throw new UsageError(`--queue '*' already means every queue; drop the other --queue values`);
  if (exclude.length > 0 && !all) {
    throw new UsageError("--exclude-queue only works with --queue '*' (every queue but these)");
  }
  for (const q of include) {
    if (q === "") throw new UsageError("--queue: a queue name cannot be empty");
    if (q !== "*" && backend.queues.length > 0 && !backend.queues.includes(q)) {
      throw new UsageError(
        `--queue: "${q}" is not a queue of backend "${backend.alias}" (${backend.queues.join(", ")})`,
      );
    }
  }
  // Default: every queue the backend declares (or all, when it allows any name).
  const selector: QueueSelector =
    all || (include.length === 0 && backend.queues.length === 0)
      ? { include: "*", exclude }
      : { include: include.length > 0 ? include : backend.queues, exclude: [] };

  if (!Number.isInteger(flags.concurrency) || flags.concurrency < 1 || flags.concurrency > 1000) {
    throw new UsageError(`--concurrency must be an integer from 1 to 1000, got ${flags.concurrency}`);
  }
  const maxTasks = flags["max-tasks"] ?? 0;
  if (!Number.isInteger(maxTasks) || maxTasks < 0)
    throw new UsageError(`--max-tasks must be an integer ≥ 0, got ${maxTasks}`);
  const workerId = flags["worker-id"] ?? defaultWorkerId();
  if (workerId.trim() === "" || workerId.length > 64) {
    throw new UsageError(`--worker-id must be 1 to 64 characters, got ${workerId.length}`);
  }
  return {
    workerId,
    selector,
    concurrency: flags.concurrency,
    intervalMs: parseInterval(flags.interval),
    batch: flags.batch,
    maxTasks,
    startupDelay: flags["startup-delay"],
    heartbeatMs: Number(backend.options.heartbeatMs ?? 5000),
  };
}

/** "default, emails" or "* except slow" — for logs and the registry. */
export function describeSelector(selector: QueueSelector): string {
  if (selector.include !== "*") return selector.include.join(",");
  return selector.exclude.length ? `* except ${selector.exclude.join(",")}` : "*";
}
