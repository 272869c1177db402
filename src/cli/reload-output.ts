import type { PrunedInfo } from "../contract/events.js";
import type { ReloadLine } from "../ui/ReloadScreen.js";
import { oneLineError } from "../ui/text/format.js";
import type { WorkerStatusProps } from "../ui/WorkerStatus.js";
import type { SupervisorOutput } from "../worker/run-supervisor.js";
import { loadInk } from "./load-ink.js";
import { prunedLine, RateMeter } from "./worker-reporters.js";

type State = "running" | "reloading" | "waiting" | "stopping";

/**
 * `tasks worker --reload` on a terminal. The worker child prints JSON events into a pipe and the
 * supervisor draws the one screen: its own messages ("change detected", a syntax error in full)
 * and anything else the child prints stay on screen as lines, the status line updates below
 * them, and a reload reads "reloading", never the Ctrl+C text of a user's stop.
 */
export async function reloadOnTerminal(): Promise<{ output: SupervisorOutput; stop(): Promise<void> }> {
  const [{ render }, React, { ReloadScreen }] = await loadInk(() => import("../ui/ReloadScreen.js"));
  const lines: ReloadLine[] = [];
  let state: State = "running";
  let status: WorkerStatusProps | null = null;
  const meter = new RateMeter();
  const add = (text: string, tone: ReloadLine["tone"]) => lines.push({ id: lines.length, text, tone });
  const element = () =>
    React.createElement(ReloadScreen, {
      lines: [...lines],
      status: status && { ...status, rate: meter.rate() },
      state,
    });
  const app = render(element(), { exitOnCtrlC: false, patchConsole: false });
  const redraw = () => app.rerender(element());
  const timer = setInterval(redraw, 250);

  const onEvent = (event: Record<string, unknown>) => {
    if (event.event === "started") {
      const kept = status ?? { succeeded: 0, failed: 0, retried: 0 };
      status = {
        workerId: String(event.workerId),
        queues: String(event.queues),
        running: 0,
        succeeded: kept.succeeded,
        failed: kept.failed,
        retried: kept.retried,
        rate: 0,
        stopping: "no",
      };
    } else if (!status) return;
    else if (event.event === "taskStarted") status.running++;
    else if (event.event === "taskFinished") {
      status.running = Math.max(0, status.running - 1);
      meter.tick();
      if (event.status === "SUCCEEDED") status.succeeded++;
      else if (event.status === "FAILED") {
        status.failed++;
        const error = event.error as { exceptionClass?: string; message?: string } | undefined;
        const where = `${String(event.taskName)} ${String(event.id)}`;
        const what = oneLineError(
          { exceptionClass: String(error?.exceptionClass), message: String(error?.message) },
          String(event.id),
        );
        status.lastFailure = `${where}: ${what}`;
      } else status.retried++;
    } else if (event.event === "connection")
      status.warning = event.state === "lost" ? String(event.message) : undefined;
    else if (event.event === "error") add(`worker: ${String(event.message)}`, "error");
    else if (event.event === "pruned") add(`worker: ${prunedLine(event as unknown as PrunedInfo)}`, "info");
  };

  const output: SupervisorOutput = {
    log: (line) => {
      add(`[reload] ${line}`, /does not load|exited/.test(line) ? "error" : "info");
      redraw();
    },
    onChildLine: (line) => {
      if (line.startsWith("{")) {
        try {
          onEvent(JSON.parse(line) as Record<string, unknown>);
          return;
        } catch {
          // not an event: print it as it is
        }
      }
      if (line.trim()) add(line, "plain");
      redraw();
    },
    onState: (next) => {
      state = next;
      redraw();
    },
  };
  return {
    output,
    stop: async () => {
      clearInterval(timer);
      redraw();
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
