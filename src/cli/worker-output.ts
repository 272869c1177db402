import type { Backend, WorkerRunner, WorkerStore } from "../contract/backend.js";
import type { AnyTask } from "../core/task.js";
import type { WorkerOptions } from "../worker/options.js";
import { combine, jsonReporter, plainReporter, RateMeter } from "./worker-reporters.js";
import { Worker, type WorkerEvents } from "../worker/worker.js";

export interface RunWorkerInput {
  backend: Backend;
  /** The generic loop's store; null when the backend brings its own runner. */
  store: WorkerStore | null;
  tasks: Map<string, AnyTask>;
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

/** Runs one worker until it stops, wiring signals and the chosen output. */
export async function runWorkerWithOutput(input: RunWorkerInput): Promise<{ forced: boolean }> {
  const output = bufferedLines(process.stdout);
  const write = output.write;
  let stopping: "no" | "graceful" | "forced" = "no";
  const track: WorkerEvents = {
    stopping: (force) => {
      stopping = force ? "forced" : "graceful";
    },
  };
  let tty: Awaited<ReturnType<typeof startTtyStatus>> | undefined;
  let events: WorkerEvents;
  // Assigned below, once the events exist; the status line's first frame comes before that.
  let runner: WorkerRunner | undefined;
  if (input.mode === "json") events = combine(track, jsonReporter(write));
  else if (input.mode === "plain") events = combine(track, plainReporter(write));
  else {
    tty = await startTtyStatus(
      input.options,
      () => stopping,
      () => runner,
    );
    events = combine(track, tty.events);
  }
  const worker: WorkerRunner =
    input.backend.createWorkerRunner({ tasks: input.tasks, options: input.options, events }) ??
    new Worker(input.backend, input.store as WorkerStore, input.tasks, input.options, events);
  runner = worker;
  const onSignal = () => worker.stop();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await worker.run();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    output.flush();
    await tty?.stop();
  }
  return { forced: (stopping as string) === "forced" };
}

/** The live Ink status line (lazy: ink and react load only on a TTY). */
async function startTtyStatus(
  options: WorkerOptions,
  stopping: () => "no" | "graceful" | "forced",
  worker: () => WorkerRunner | undefined,
) {
  const [{ render }, React, { WorkerStatus }] = await Promise.all([
    import("ink"),
    import("react"),
    import("../ui/WorkerStatus.js"),
  ]);
  const meter = new RateMeter();
  let lastFailure: string | undefined;
  let queues = "";
  const props = () => {
    const w = worker();
    return {
      workerId: options.workerId,
      queues,
      running: w?.runningCount ?? 0,
      succeeded: w?.stats.succeeded ?? 0,
      failed: w?.stats.failed ?? 0,
      retried: w?.stats.retried ?? 0,
      rate: meter.rate(),
      stopping: stopping(),
      lastFailure,
    };
  };
  // Ink must not grab stdin (Ctrl+C reaches us as SIGINT, handled above).
  const app = render(React.createElement(WorkerStatus, props()), { exitOnCtrlC: false, patchConsole: false });
  const timer = setInterval(() => app.rerender(React.createElement(WorkerStatus, props())), 250);
  const events: WorkerEvents = {
    started: (info) => {
      queues = info.queues;
    },
    taskFinished: (record) => {
      meter.tick();
      const error = record.errors.at(-1);
      if (record.status === "FAILED" && error)
        lastFailure = `${record.taskName} ${record.id}: ${error.exceptionClass}: ${error.message}`;
    },
  };
  return {
    events,
    stop: async () => {
      clearInterval(timer);
      app.rerender(React.createElement(WorkerStatus, props()));
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
