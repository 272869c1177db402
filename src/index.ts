// The public API of tasklane. Re-exports only; never loads the CLI or the UI.

// Built-in backends that need no storage (sqlite and redis load lazily through the config).
export { DummyBackend } from "./backends/dummy.js";
export { ImmediateBackend } from "./backends/immediate.js";
export { RedisUnavailableError } from "./backends/redis/errors.js";
// Config.
export type { BackendConfig, TasklaneConfig, TasklaneConfigInput } from "./config/define.js";
export { defineConfig } from "./config/define.js";
export { closeBackends, defaultBackend, getBackend } from "./config/lookup.js";
export type { ScheduleOptions } from "./config/schedules.js";
// The backend contract: what a custom backend implements.
export { AttemptLifecycle, type RunningAttempt } from "./contract/attempt.js";
export type { BackendCapabilities, BackendClass, BackendInit } from "./contract/backend.js";
export { Backend } from "./contract/backend.js";
export type { WorkerEvent, WorkerEvents } from "./contract/events.js";
export type {
  ErrorGroup,
  IdOutcome,
  ListOptions,
  ManagementStore,
  PruneOptions,
  QueueCounts,
  ResultFilter,
  ResultPage,
  StatusCounts,
  WorkerInfo,
} from "./contract/management.js";
export { applyOutcome, claimedRecord, readyRecord } from "./contract/records.js";
export type { WorkerOptions, WorkerRunner, WorkerRunnerInput } from "./contract/runner.js";
export type { CatchUp, FiredTick, ScheduleInfo, ScheduleSpec, ScheduleStore } from "./contract/schedules.js";
export { MemoryUniqueHolds } from "./contract/unique-holds.js";
export type {
  AttemptOutcome,
  CompletionReport,
  LostAttempt,
  QueueSelector,
  RecoveredTask,
  RecoveryPlan,
  WorkerRegistration,
  WorkerStore,
} from "./contract/worker-store.js";
// Core: tasks, results, errors, signals.
export type { TaskContext } from "./core/context.js";
export type { EnqueueRequest } from "./core/environment.js";
export {
  BackendUnavailableError,
  ConfigError,
  EnqueueIncomplete,
  InvalidTaskBackendError,
  InvalidTaskError,
  ResultNotReady,
  StorageError,
  TasklaneError,
  TaskResultDoesNotExist,
  TaskResultMismatch,
  TaskTimeout,
  UsageError,
  WaitTimeout,
} from "./core/errors.js";
export type { JsonArg, JsonArgs, JsonReturn, JsonValue } from "./core/json.js";
export type { TaskErrorData, TaskResultData } from "./core/result.js";
export { TaskError, TaskResult, TaskResultStatus } from "./core/result.js";
export type { Signal, SignalEvent, SignalHandler } from "./core/signals.js";
export { signals } from "./core/signals.js";
export type { AnyTask, Backoff, TaskOptions, UsingOptions } from "./core/task.js";
export { Task, task } from "./core/task.js";
export type { UniqueHold, UniqueOption, UniqueOptions, UniqueScope } from "./core/task-controls.js";
export type { ChangeFeed, WaitOptions } from "./core/wait.js";

// Running a worker in this process.
export type { RunWorkerOptions, WorkerSummary } from "./worker/run-worker.js";
export { RunningWorker, runWorker } from "./worker/run-worker.js";
