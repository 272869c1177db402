// (a) and (b): enqueue throughput, measured in interleaved rounds so that a noisy neighbour
// (the machine is shared) slows every contestant alike instead of whichever ran last.
import type { NoopTask } from "./setup.js";

/** One contestant: enqueues tasks `from`..`to`-1 (argument = the index) into its own file. */
export interface Enqueuer {
  run(from: number, to: number): unknown;
  close(): unknown;
}

/**
 * Runs `warmup` untimed tasks on each contestant, then `total` timed ones in `rounds`
 * slices, rotating who goes first. Returns the summed milliseconds per contestant; every
 * contestant ends with the same number of rows, so table growth is the same for all.
 * Closes every contestant at the end.
 */
export async function interleave(
  contestants: Record<string, Enqueuer>,
  total: number,
  { rounds = 5, warmup = 1000, step = 1 } = {},
): Promise<Record<string, number>> {
  const names = Object.keys(contestants);
  const ms: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const name of names) await contestants[name]?.run(0, warmup);
  const slice = Math.ceil(total / rounds / step) * step;
  for (let r = 0, from = warmup; from < warmup + total; r++, from += slice) {
    const to = Math.min(warmup + total, from + slice);
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length] as string;
      const start = performance.now();
      await contestants[name]?.run(from, to);
      ms[name] = (ms[name] ?? 0) + performance.now() - start;
    }
  }
  for (const contestant of Object.values(contestants)) await contestant.close();
  return ms;
}

/** (a) tasklane: one `await noop.enqueue(i)` per task (one autocommit INSERT each). */
export function tasklaneSingle(noop: NoopTask, close: () => Promise<void>): Enqueuer {
  return {
    async run(from, to) {
      for (let i = from; i < to; i++) await noop.enqueue(i);
    },
    close,
  };
}

/** (b) tasklane: `await noop.enqueueMany(…)` with `chunk` calls each (one transaction each). */
export function tasklaneBulk(noop: NoopTask, chunk: number, close: () => Promise<void>): Enqueuer {
  return {
    async run(from, to) {
      for (let i = from; i < to; i += chunk) {
        const end = Math.min(to, i + chunk);
        const calls: [number][] = [];
        for (let k = i; k < end; k++) calls.push([k]);
        await noop.enqueueMany(calls);
      }
    },
    close,
  };
}

/**
 * (a) tasklane: `enqueuers` async callers at once, each awaiting one `noop.enqueue(i)` after
 * another (an HTTP server under load): the group commit shares transactions among them.
 */
export function tasklaneConcurrent(noop: NoopTask, enqueuers: number, close: () => Promise<void>): Enqueuer {
  return {
    async run(from, to) {
      let next = from;
      await Promise.all(
        Array.from({ length: enqueuers }, async () => {
          while (next < to) await noop.enqueue(next++);
        }),
      );
    },
    close,
  };
}
