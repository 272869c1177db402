// The public API of tasklane. Re-exports only.
export { Backend } from "./backends/base.js";
export type {
  AttemptOutcome,
  BackendCapabilities,
  BackendClass,
  BackendInit,
  EnqueueRequest,
  QueueSelector,
  WorkerStore,
} from "./backends/base.js";
export { DummyBackend } from "./backends/dummy.js";
export { ImmediateBackend } from "./backends/immediate.js";
export { defineConfig } from "./config/define.js";
export type { BackendConfig, TasklaneConfigInput } from "./config/define.js";
export type { ActiveConfig as TasklaneConfig } from "./config/registry.js";
export { defaultBackend, getBackend } from "./backends/lookup.js";
export type { TaskContext } from "./context.js";
export {
  ConfigError,
  InvalidTaskBackendError,
  InvalidTaskError,
  TaskResultDoesNotExist,
  TaskResultMismatch,
  TasklaneError,
} from "./errors.js";
export type { JsonValue } from "./json.js";
export { TaskError, TaskResult, TaskResultStatus } from "./result.js";
export type { TaskErrorData, TaskResultData } from "./result.js";
export { signals } from "./signals.js";
export type { Signal, SignalEvent, SignalHandler } from "./signals.js";
export { task, Task } from "./task.js";
export type { Backoff, TaskOptions, UsingOptions } from "./task.js";
