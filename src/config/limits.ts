import type { QueueControlSupport, QueueLimits } from "../contract/queue-controls.js";
import { ConfigError } from "../core/errors.js";
import { integer, object, optional } from "../core/shape.js";

const positiveInt = integer({ min: 1 });

/** One queue's limits, as written in a backend config. */
export const queueLimitsShape = object({
  concurrency: optional(positiveInt),
  rate: optional(object({ limit: positiveInt, periodMs: positiveInt })),
});

/**
 * Checks a backend's `limits` against its queues and what its kind can enforce: a limit on a
 * queue the backend does not have, or one the backend cannot hold, is a config error.
 */
export function checkLimits(
  alias: string,
  kind: string,
  queues: readonly string[],
  limits: Record<string, QueueLimits>,
  controls: QueueControlSupport | undefined,
): Record<string, QueueLimits> {
  for (const [queue, limit] of Object.entries(limits)) {
    const where = `backends.${alias}.limits.${queue}`;
    if (queues.length > 0 && !queues.includes(queue)) {
      throw new ConfigError(`${where}: "${queue}" is not one of the backend's queues (${queues.join(", ")})`);
    }
    if (limit.concurrency !== undefined && !controls?.queueConcurrency) {
      throw new ConfigError(`${where}.concurrency: backend "${alias}" (${kind}) cannot limit a queue's concurrency`);
    }
    if (limit.rate !== undefined && !controls?.rateLimit) {
      throw new ConfigError(`${where}.rate: backend "${alias}" (${kind}) cannot rate-limit a queue`);
    }
  }
  return limits;
}
