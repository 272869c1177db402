import { UsageError } from "./errors.js";
import { TaskError, type TaskResult } from "./result.js";

export interface SignalEvent {
  /** The backend that sent the signal. */
  sender: { readonly alias: string };
  taskResult: TaskResult;
}
export type SignalHandler = (event: SignalEvent) => void;

/**
 * A tiny synchronous signal (Django style). A throwing handler is logged and skipped:
 * observers must never break an enqueue or a worker.
 */
export class Signal {
  readonly #handlers = new Set<SignalHandler>();
  constructor(readonly name: string) {}

  connect(handler: SignalHandler): void {
    // Refused here, once: accepted, it would fail and be logged with a stack at every task.
    if (typeof handler !== "function") {
      throw new UsageError(`signals.${this.name}.connect(handler): handler must be a function, got ${typeof handler}`);
    }
    this.#handlers.add(handler);
  }

  disconnect(handler: SignalHandler): void {
    this.#handlers.delete(handler);
  }

  /** Lets hot paths skip building an event nobody listens to. */
  get hasReceivers(): boolean {
    return this.#handlers.size > 0;
  }

  send(event: SignalEvent): void {
    for (const handler of this.#handlers) {
      try {
        handler(event);
      } catch (error) {
        // TaskError.from reads what was thrown with care: reading it must not throw in turn.
        console.error(`tasklane: a ${this.name} handler threw: ${TaskError.from(error).traceback}`);
      }
    }
  }
}

// Shared through globalThis: a config loaded by jiti may hold a second copy of this module.
const store = globalThis as { [key: symbol]: unknown };
const KEY = Symbol.for("tasklane.signals");
store[KEY] ??= {
  taskEnqueued: new Signal("taskEnqueued"),
  taskStarted: new Signal("taskStarted"),
  taskFinished: new Signal("taskFinished"),
};

export const signals = store[KEY] as {
  readonly taskEnqueued: Signal;
  readonly taskStarted: Signal;
  readonly taskFinished: Signal;
};
