import { setTimeout as sleep } from "node:timers/promises";
import { activeConfig } from "../config/registry.js";
import type { RetentionPolicy } from "../config/retention.js";
import type { Backend } from "../contract/backend.js";
import type { WorkerEvents } from "../contract/events.js";
import { ConfigError } from "../core/errors.js";

/**
 * How often a worker applies its backend's retention. Hourly: a finished result lives at most
 * about an hour past its age, and a pass with nothing to delete is one short index read. The
 * first pass comes a minute (or less) after start, so workers restarted by every deploy still
 * prune. Both are spread out by a random share, so workers started together do not prune
 * together (two passes at once are harmless, only wasted: each delete re-checks age and status).
 */
const EVERY_MS = 60 * 60_000;
const FIRST_MS = 60_000;

/** `TASKLANE_RETENTION_EVERY_MS`: the period (and the first delay), for tests and impatient operators. */
function periods(): { firstMs: number; everyMs: number } {
  const override = Number(process.env.TASKLANE_RETENTION_EVERY_MS);
  if (Number.isFinite(override) && override > 0) return { firstMs: override, everyMs: override };
  return { firstMs: FIRST_MS * (0.5 + Math.random() / 2), everyMs: EVERY_MS };
}

/**
 * A backend's retention (`backends.X.retention`), applied by its running workers: every hour
 * each deletes the finished results past their age, as `tasks prune` would, in the same small
 * transactions (workers, enqueues and the worker's own tasks wait at most one batch). Failures
 * are reported as worker errors and tried again next period; a stop ends a pass between batches.
 */
export class Retention {
  readonly #stopped = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(
    readonly backend: Backend,
    readonly policy: RetentionPolicy,
    /** The queues to prune; undefined: every queue of the store. */
    readonly queues: string[] | undefined,
    readonly events: WorkerEvents,
  ) {}

  /**
   * The retention of this backend in the active config, or null. A backend that shares its
   * store with another alias prunes only its own queues (the other keeps its own retention).
   */
  static forBackend(backend: Backend, events: WorkerEvents): Retention | null {
    const config = activeConfig();
    const entry = config?.backends.get(backend.alias);
    if (!config || !entry?.retention) return null;
    return new Retention(backend, entry.retention, config.ownQueues(entry.alias), events);
  }

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#stopped.signal;
    const { firstMs, everyMs } = periods();
    let delay = firstMs;
    while (!signal.aborted) {
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return; // stopped
      }
      await this.#pass(signal);
      delay = everyMs * (0.9 + Math.random() / 5);
    }
  }

  async #pass(signal: AbortSignal): Promise<void> {
    const manage = this.backend.management();
    if (!manage) {
      // A custom backend that runs workers but keeps no results: said once, then no more passes.
      this.events.error?.(
        new ConfigError(
          `backend "${this.backend.alias}" (${this.backend.kind}) has no management(): its retention cannot prune anything`,
        ),
      );
      this.#stopped.abort();
      return;
    }
    const now = Date.now();
    try {
      const deleted = await manage.prune({
        finishedBefore: new Date(now - this.policy.olderThanMs),
        failedFinishedBefore: new Date(now - this.policy.failedOlderThanMs),
        ...(this.queues ? { queues: this.queues } : {}),
        signal,
      });
      if (deleted > 0) {
        this.events.pruned?.({
          deleted,
          olderThan: this.policy.olderThan,
          failedOlderThan: this.policy.failedOlderThan,
        });
      }
    } catch (error) {
      this.events.error?.(error as Error);
    }
  }
}
