import { fileURLToPath } from "node:url";
import { conformanceSuite } from "../../src/testing/index.js";

// The same custom backend running each task inside enqueue (the public AttemptLifecycle):
// the suite's failure and retry tests apply to it.
const backendModule = fileURLToPath(new URL("./memory-backend.ts", import.meta.url));

conformanceSuite({
  name: "memory (runInCaller)",
  imports: `import { MemoryBackend } from ${JSON.stringify(backendModule)};`,
  backend: () => "{ backend: MemoryBackend, options: { runInCaller: true } }",
  capabilities: { supportsDefer: false, supportsAsyncTask: true, supportsGetResult: false, supportsPriority: true },
  runsWorker: false,
  management: false,
  runsInCaller: true,
});
