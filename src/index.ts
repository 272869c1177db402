// The public API of tasklane. Re-exports only.

export type {
  AttemptOutcome,
  BackendCapabilities,
  BackendClass,
  BackendInit,
  EnqueueRequest,
  QueueSelector,
  WorkerStore,
} from "./contract/backend.js";
export { Backend } from "./contract/backend.js";
export { DummyBackend } from "./backends/dummy.js";
export { ImmediateBackend } from "./backends/immediate.js";
export { defaultBackend, getBackend } from "./config/lookup.js";
export type { BackendConfig, TasklaneConfigInput } from "./config/define.js";
export { defineConfig } from "./config/define.js";
export type { ActiveConfig as TasklaneConfig } from "./config/registry.js";
export type { TaskContext } from "./core/context.js";
export {
  ConfigError,
  InvalidTaskBackendError,
  InvalidTaskError,
  TasklaneError,
  TaskResultDoesNotExist,
  TaskResultMismatch,
} from "./core/errors.js";
export type { JsonValue } from "./core/json.js";
export type { TaskErrorData, TaskResultData } from "./core/result.js";
export { TaskError, TaskResult, TaskResultStatus } from "./core/result.js";
export type { Signal, SignalEvent, SignalHandler } from "./core/signals.js";
export { signals } from "./core/signals.js";
export type { Backoff, TaskOptions, UsingOptions } from "./core/task.js";
export { Task, task } from "./core/task.js";
