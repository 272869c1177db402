// The public API of tasklane. Re-exports only.

export type {
  AttemptOutcome,
  BackendCapabilities,
  BackendClass,
  BackendInit,
  EnqueueRequest,
  QueueSelector,
  WorkerStore,
} from "./backends/base.js";
export { Backend } from "./backends/base.js";
export { DummyBackend } from "./backends/dummy.js";
export { ImmediateBackend } from "./backends/immediate.js";
export { defaultBackend, getBackend } from "./backends/lookup.js";
export type { BackendConfig, TasklaneConfigInput } from "./config/define.js";
export { defineConfig } from "./config/define.js";
export type { ActiveConfig as TasklaneConfig } from "./config/registry.js";
export type { TaskContext } from "./context.js";
export {
  ConfigError,
  InvalidTaskBackendError,
  InvalidTaskError,
  TasklaneError,
  TaskResultDoesNotExist,
  TaskResultMismatch,
} from "./errors.js";
export type { JsonValue } from "./json.js";
export type { TaskErrorData, TaskResultData } from "./result.js";
export { TaskError, TaskResult, TaskResultStatus } from "./result.js";
export type { Signal, SignalEvent, SignalHandler } from "./signals.js";
export { signals } from "./signals.js";
export type { Backoff, TaskOptions, UsingOptions } from "./task.js";
export { Task, task } from "./task.js";
