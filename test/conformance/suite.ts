import { type ConformanceTarget, type Suite, suiteContext } from "./context.js";
import { coreTests } from "./suite-core.js";
import { managementTests } from "./suite-manage.js";
import { workerTests } from "./suite-worker.js";

export type { ConformanceTarget, Suite } from "./context.js";
export { configText } from "./context.js";

/**
 * The behaviour every backend shares, as vitest `describe` blocks. Call it at the top level
 * of a test file with the backend's target; each test gets a fresh project (temp folder,
 * tasks.config.ts with the suite's tasks, a unique token for the backend's storage). Parts
 * that do not apply are left out by capability: defer, cross-process getResult, the worker
 * (`runsWorker`), management (`management`), running in the caller (`runsInCaller`).
 *
 * A custom backend can run it too:
 *   conformanceSuite({ name: "mine", imports: 'import { Mine } from "/abs/path/mine.ts";',
 *     backend: ({ unique }) => `{ backend: Mine, options: { db: "${unique}" } }`,
 *     capabilities: { ... }, runsWorker: true, management: true });
 */
export function conformanceSuite(target: ConformanceTarget): Suite {
  const s = suiteContext(target);
  coreTests(s);
  workerTests(s);
  managementTests(s);
  return s;
}
