import type { Backend } from "../contract/backend.js";
import type { TaskResult } from "../core/result.js";

/**
 * Waits until the result is finished or the timeout passes; true when finished. Sleeps on the
 * backend's change notification (the SQLite WAL watcher) when it has one, re-reading at least
 * every 250 ms either way.
 */
export async function waitUntilFinished(
  result: TaskResult,
  backend: Backend,
  timeoutMs: number,
  onStatus: (result: TaskResult) => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const store = backend.workerStore();
  const signal = new AbortController().signal;
  for (;;) {
    await result.refresh();
    onStatus(result);
    if (result.isFinished) return true;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return false;
    const slice = Math.min(250, remaining);
    if (store) await store.waitForChange(slice, signal);
    else await new Promise((resolve) => setTimeout(resolve, slice));
  }
}

/** A spinner with the result's status, on a TTY only (ink and react load lazily). */
export async function startSpinner(initial: string) {
  const [{ render }, React, { Spinner }] = await Promise.all([
    import("ink"),
    import("react"),
    import("../ui/Spinner.js"),
  ]);
  const app = render(React.createElement(Spinner, { label: initial }), { patchConsole: false });
  return {
    update: (label: string) => app.rerender(React.createElement(Spinner, { label })),
    stop: async () => {
      app.clear();
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
