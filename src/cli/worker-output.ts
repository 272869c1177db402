import type { Backend } from "../contract/backend.js";
import type { WorkerEvent } from "../contract/events.js";
import type { WorkerOptions } from "../contract/runner.js";
import type { AnyTask } from "../core/task.js";
import { oneLineError } from "../ui/text/format.js";
import { RunningWorker, runResolvedWorker, type WorkerSummary } from "../worker/run-worker.js";
import { handOverEarlySignals } from "./early-signals.js";
import { loadInk } from "./load-ink.js";
import { jsonReporter, plainReporter, RateMeter, stoppedLine, storeErrorLine } from "./worker-reporters.js";

export interface CliWorkerInput {
  backend: Backend;
  tasks: ReadonlyMap<string, AnyTask>;
  /** The config file, named when a task is not found. */
  registry: string;
  options: WorkerOptions;
  mode: "json" | "plain" | "tty";
}

/**
 * Collects log lines and writes them in one call per turn of the event loop: a worker
 * draining thousands of tasks a second would otherwise spend a large share of its time in
 * one write() per line.
 */
function bufferedLines(stream: NodeJS.WriteStream) {
  let lines: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (lines.length === 0) return;
    stream.write(lines.join(""));
    lines = [];
  };
  return {
    write(line: string) {
      lines.push(`${line}\n`);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/** `tasks worker`: runs one worker until it stops, with SIGINT/SIGTERM handling and the chosen output. */
export async function runCliWorker(input: CliWorkerInput): Promise<WorkerSummary> {
  const output = bufferedLines(process.stdout);
  let stopping: "no" | "graceful" | "forced" = "no";
  let tty: Awaited<ReturnType<typeof startTtyStatus>> | undefined;
  let handle: RunningWorker | undefined;
  let report: (event: WorkerEvent) => void;
  if (input.mode === "json") report = jsonReporter(output.write);
  else if (input.mode === "plain") report = plainReporter(output.write);
  else {
    tty = await startTtyStatus(
      input.options,
      () => stopping,
      () => handle,
    );
    report = tty.onEvent;
  }
  handle = new RunningWorker((self) =>
    runResolvedWorker(self, {
      backend: input.backend,
      tasks: input.tasks,
      registry: input.registry,
      options: input.options,
      ownsProcess: true,
      onCrash: () => output.flush(),
      onEvent: (event) => {
        if (event.type === "stopping") stopping = event.force ? "forced" : "graceful";
        report(event);
      },
    }),
  );
  // The worker's own SIGINT/SIGTERM handlers are in place now: earlier signals reach it too.
  handOverEarlySignals(() => handle?.stop());
  let summary: WorkerSummary | undefined;
  try {
    summary = await handle;
    return summary;
  } finally {
    // On a terminal the status line's last frame stays on screen, with the same counts.
    if (summary && !tty) output.write(stoppedLine(summary, input.mode === "json"));
    output.flush();
    await tty?.stop();
  }
}

/** The live Ink status line (lazy: ink and react load only on a TTY). */
async function startTtyStatus(
  options: WorkerOptions,
  stopping: () => "no" | "graceful" | "forced",
  worker: () => RunningWorker | undefined,
) {
  const [{ render }, React, { WorkerStatus }] = await loadInk(() => import("../ui/WorkerStatus.js"));
  const meter = new RateMeter();
  let lastFailure: string | undefined;
  let warning: string | undefined;
  let storeError: string | undefined;
  let queues = "";
  const props = () => ({
    workerId: options.workerId,
    queues,
    running: worker()?.runningCount ?? 0,
    succeeded: worker()?.stats.succeeded ?? 0,
    failed: worker()?.stats.failed ?? 0,
    retried: worker()?.stats.retried ?? 0,
    rate: meter.rate(),
    stopping: stopping(),
    lastFailure,
    warning,
    storeError,
  });
  // Ink must not grab stdin (Ctrl+C reaches us as SIGINT, handled by the worker).
  const app = render(React.createElement(WorkerStatus, props()), { exitOnCtrlC: false, patchConsole: false });
  const timer = setInterval(() => app.rerender(React.createElement(WorkerStatus, props())), 250);
  const onEvent = (event: WorkerEvent) => {
    if (event.type === "started") queues = event.queues;
    if (event.type === "connection") warning = event.state === "lost" ? event.message : undefined;
    // The latest store error, with the time it came (a claim retried later may have gone through).
    if (event.type === "error") storeError = `${new Date().toTimeString().slice(0, 8)} ${storeErrorLine(event.error)}`;
    if (event.type !== "taskFinished") return;
    meter.tick();
    const record = event.record;
    const error = record.errors.at(-1);
    if (record.status === "FAILED" && error) {
      lastFailure = `${record.taskName} ${record.id}: ${oneLineError(error, record.id)}`;
    }
  };
  return {
    onEvent,
    stop: async () => {
      clearInterval(timer);
      app.rerender(React.createElement(WorkerStatus, props()));
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
