import { type ConformanceTarget, type Suite, suiteContext } from "./context.js";
import { controlTests } from "./suite-controls.js";
import { coreTests } from "./suite-core.js";
import { managementTests } from "./suite-manage.js";
import { retentionTests } from "./suite-retention.js";
import { scheduleTests } from "./suite-schedules.js";
import { timeoutTests } from "./suite-timeouts.js";
import { uniqueTests } from "./suite-unique.js";
import { waitTests } from "./suite-wait.js";
import { waitingManagementTests } from "./suite-waiting.js";
import { workerTests } from "./suite-worker.js";

/**
 * The behaviour every backend shares, as vitest `describe` blocks. Call it at the top level
 * of a test file with the backend's target; each test gets a fresh project (temp folder,
 * tasks.config.ts with the suite's tasks, a unique token for the backend's storage). Parts
 * that do not apply are left out by capability: defer, cross-process getResult, the worker
 * (`runsWorker`), management (`management`), running in the caller (`runsInCaller`).
 *
 * Worker and CLI tests start this package's own `tasks` binary as child processes, so a backend
 * that runs workers must keep its data where other processes see it (a file, a server).
 */
export function conformanceSuite(target: ConformanceTarget): Suite {
  const s = suiteContext(target);
  coreTests(s);
  workerTests(s);
  timeoutTests(s);
  controlTests(s);
  uniqueTests(s);
  scheduleTests(s);
  waitingManagementTests(s);
  managementTests(s);
  retentionTests(s);
  waitTests(s);
  return s;
}
