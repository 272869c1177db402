import { useCallback, useEffect, useRef, useState } from "react";
import type { FetchSnapshot, WatchFilters, WatchSnapshot } from "./snapshot.js";

export interface SnapshotState {
  snapshot: WatchSnapshot | null;
  /** The last refresh's error (the previous snapshot stays on screen). */
  error: Error | null;
  /** Fetches now, even when paused (after an action or a filter change). */
  refresh(): void;
}

/**
 * Polls `fetchSnapshot(filters)`: at once, then `intervalMs` after each fetch ends, so two
 * fetches never overlap. A filter change fetches at once (after the one in flight); a result
 * fetched for old filters is dropped. Paused: no timer, but filter changes and `refresh()` still fetch.
 */
export function useSnapshot(
  fetchSnapshot: FetchSnapshot,
  options: { intervalMs: number; paused: boolean; filters: WatchFilters },
): SnapshotState {
  const [snapshot, setSnapshot] = useState<WatchSnapshot | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const filtersKey = JSON.stringify(options.filters);
  const latest = useRef({ ...options, fetchSnapshot, filtersKey });
  latest.current = { ...options, fetchSnapshot, filtersKey };
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
    const { filters, filtersKey: key } = latest.current;
    try {
      const next = await latest.current.fetchSnapshot(filters);
      if (c.alive && key === latest.current.filtersKey) {
        setSnapshot(next);
        setError(null);
      }
    } catch (caught) {
      if (c.alive) setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      c.inFlight = false;
      if (c.alive) {
        if (c.again || key !== latest.current.filtersKey) {
          c.again = false;
          void run();
        } else if (!latest.current.paused) {
          c.timer = setTimeout(() => void run(), latest.current.intervalMs);
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

  // First fetch, and again at once whenever the filters change (paused or not).
  // biome-ignore lint/correctness/useExhaustiveDependencies: filtersKey stands for the filters.
  useEffect(() => {
    void run();
  }, [run, filtersKey]);

  // Pausing stops the timer; resuming fetches at once.
  const wasPaused = useRef(options.paused);
  useEffect(() => {
    if (options.paused) clearTimeout(control.current.timer);
    else if (wasPaused.current) void run();
    wasPaused.current = options.paused;
  }, [run, options.paused]);

  const refresh = useCallback(() => void run(), [run]);
  return { snapshot, error, refresh };
}
