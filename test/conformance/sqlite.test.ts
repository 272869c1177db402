import { capabilitiesOf } from "../../src/testing/context.js";
import { conformanceSuite } from "../../src/testing/index.js";

conformanceSuite({
  name: "sqlite",
  backend: () => `{ backend: "sqlite", options: { path: "db/tasks.sqlite3", heartbeatMs: 200, leaseMs: 2000 } }`,
  capabilities: capabilitiesOf("sqlite"),
  runsWorker: true,
  management: true,
  // A worker on this host takes a dead one's tasks back at once (its pid is gone).
  recoversWithinMs: 2_000,
  controls: { pause: true, queueConcurrency: true, rateLimit: true, keyConcurrency: true },
});
