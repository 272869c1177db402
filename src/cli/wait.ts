import type { Backend } from "../contract/backend.js";
import { WaitTimeout } from "../core/errors.js";
import type { ResultSource, TaskResult } from "../core/result.js";
import { waitUntilFinished as waitFor } from "../core/wait.js";
import { loadInk } from "./load-ink.js";

/**
 * Waits until the result is finished or the timeout passes; true when finished. The wait
 * result.wait() does (woken by the backend's change feed where it has one), reporting each read.
 */
export async function waitUntilFinished(
  result: TaskResult,
  backend: Backend,
  timeoutMs: number,
  onStatus: (result: TaskResult) => void,
): Promise<boolean> {
  const source: ResultSource = backend;
  try {
    await waitFor(
      result,
      () => source.changes?.(),
      { timeoutMs },
      () => onStatus(result),
    );
    return true;
  } catch (error) {
    if (error instanceof WaitTimeout) return false;
    throw error;
  }
}

/** A spinner with the result's status, on a TTY only (ink and react load lazily). */
export async function startSpinner(initial: string) {
  const [{ render }, React, { Spinner }] = await loadInk(() => import("../ui/Spinner.js"));
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
