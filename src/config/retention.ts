import { parseDuration } from "../core/durations.js";
import { ConfigError, UsageError } from "../core/errors.js";
import { object, optional, string } from "../core/shape.js";

/** `backends.X.retention` as written: the ages `tasks prune` takes, as durations ("14d", "12h"). */
export interface RetentionConfig {
  /** SUCCEEDED and CANCELLED results are deleted once they finished this long ago. */
  olderThan: string;
  /** FAILED results, when they should stay longer (or shorter); default: `olderThan`. */
  failedOlderThan?: string;
}

/** The same, in milliseconds: what a worker prunes by. */
export interface RetentionPolicy {
  olderThanMs: number;
  failedOlderThanMs: number;
  /** As written, for messages and `tasks info`. */
  olderThan: string;
  failedOlderThan: string;
}

export const retentionShape = object({
  olderThan: string({ nonEmpty: true }),
  failedOlderThan: optional(string({ nonEmpty: true })),
});

/**
 * A backend's retention, checked: every duration valid, and a backend whose workers can apply
 * it (retention is done by the running workers, so a kind without workers would keep all).
 */
export function parseRetention(
  alias: string,
  kind: string,
  runsWorker: boolean,
  input: RetentionConfig | undefined,
  /** Whether the backend has the management() store the workers prune through (custom ones may not). */
  prunes = true,
): RetentionPolicy | null {
  if (input === undefined) return null;
  const where = `backends.${alias}.retention`;
  if (!runsWorker) {
    throw new ConfigError(
      `${where}: backend "${alias}" (${kind}) runs no workers, and workers are what prune; drop retention here`,
    );
  }
  if (!prunes) {
    throw new ConfigError(
      `${where}: backend "${alias}" (${kind}) has no management(), which its workers would prune through; drop retention here, or implement management()`,
    );
  }
  const duration = (text: string, key: string) => {
    try {
      return parseDuration(text, { label: `${where}.${key}`, allowZero: true });
    } catch (error) {
      if (error instanceof UsageError) throw new ConfigError(error.message);
      throw error;
    }
  };
  const olderThanMs = duration(input.olderThan, "olderThan");
  return {
    olderThanMs,
    failedOlderThanMs:
      input.failedOlderThan === undefined ? olderThanMs : duration(input.failedOlderThan, "failedOlderThan"),
    olderThan: input.olderThan,
    failedOlderThan: input.failedOlderThan ?? input.olderThan,
  };
}
