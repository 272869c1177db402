import { useCallback, useEffect, useRef, useState } from "react";

export interface PollState<D> {
  /** The last data fetched for the current query (null before the first). */
  data: D | null;
  /** The last refresh's error (the previous snapshot stays on screen). */
  error: Error | null;
  /** Fetches now, even when paused (after an action or a filter change). */
  refresh(): void;
}

/**
 * Polls `fetch(query)`: at once, then `intervalMs` after each fetch ends, so two fetches never
 * overlap, and at least twice the last fetch's time apart. A new query (filters, tab) fetches at
 * once (after the one in flight); data fetched for an old query is dropped. Paused: no timer, but
 * a new query and `refresh()` still fetch.
 */
export function usePolling<Q, D>(
  fetch: (query: Q) => Promise<D>,
  options: { intervalMs: number; paused: boolean; query: Q },
): PollState<D> {
  const [data, setData] = useState<D | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const queryKey = JSON.stringify(options.query);
  const latest = useRef({ ...options, fetch, queryKey });
  latest.current = { ...options, fetch, queryKey };
  const control = useRef({
    alive: true,
    inFlight: false,
    again: false,
    timer: undefined as NodeJS.Timeout | undefined,
  });

  const run = useCallback(async () => {
    const c = control.current;
    if (!c.alive) return;
    if (c.inFlight) {
      c.again = true;
      return;
    }
    clearTimeout(c.timer);
    c.inFlight = true;
    const { query, queryKey: key } = latest.current;
    const started = Date.now();
    try {
      const next = await latest.current.fetch(query);
      if (c.alive && key === latest.current.queryKey) {
        setData(next);
        setError(null);
      }
    } catch (caught) {
      if (c.alive) setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      c.inFlight = false;
      if (c.alive) {
        if (c.again || key !== latest.current.queryKey) {
          c.again = false;
          void run();
        } else if (!latest.current.paused) {
          // A store's queries may block the event loop (better-sqlite3 is synchronous): after a
          // slow fetch, wait at least twice as long, so keys are handled between refreshes.
          const took = Date.now() - started;
          c.timer = setTimeout(() => void run(), Math.max(latest.current.intervalMs, 2 * took));
        }
      }
    }
  }, []);

  useEffect(() => {
    const c = control.current;
    c.alive = true;
    return () => {
      c.alive = false;
      clearTimeout(c.timer);
    };
  }, []);

  // First fetch, and again at once whenever the query changes (paused or not).
  // biome-ignore lint/correctness/useExhaustiveDependencies: queryKey stands for the query.
  useEffect(() => {
    void run();
  }, [run, queryKey]);

  // Pausing stops the timer; resuming fetches at once.
  const wasPaused = useRef(options.paused);
  useEffect(() => {
    if (options.paused) clearTimeout(control.current.timer);
    else if (wasPaused.current) void run();
    wasPaused.current = options.paused;
  }, [run, options.paused]);

  const refresh = useCallback(() => void run(), [run]);
  return { data, error, refresh };
}
