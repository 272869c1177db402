/** Signals bin/run.js counted before the worker had handlers of its own. */
interface EarlySignals {
  count: number;
  release(): void;
}

/**
 * Hands the signals that arrived while the CLI was loading to the worker (each one a stop(),
 * so two mean a forced stop, as always) and removes the early handlers: call it right after the
 * worker has installed its own, so no signal falls in between.
 */
export function handOverEarlySignals(stop: () => void): void {
  const key = Symbol.for("tasklane.earlySignals");
  const early = (globalThis as { [key: symbol]: EarlySignals | undefined })[key];
  if (!early) return;
  early.release();
  for (let i = 0; i < early.count; i++) stop();
  (globalThis as { [key: symbol]: EarlySignals | undefined })[key] = undefined;
}
