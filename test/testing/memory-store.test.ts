import { fileURLToPath } from "node:url";
import { conformanceSuite } from "../../src/testing/index.js";

// A custom backend (a class in its own module, given as `backend` in the config) through the
// suite users run: results wait in memory, and its ManagementStore is held to the contract.
const backendModule = fileURLToPath(new URL("./memory-backend.ts", import.meta.url));

conformanceSuite({
  name: "memory",
  imports: `import { MemoryBackend } from ${JSON.stringify(backendModule)};`,
  backend: () => "{ backend: MemoryBackend }",
  capabilities: { supportsDefer: true, supportsAsyncTask: true, supportsGetResult: false, supportsPriority: true },
  runsWorker: false,
  management: true,
});
