import { capabilitiesOf } from "./context.js";
import { conformanceSuite } from "./suite.js";

conformanceSuite({
  name: "sqlite",
  backend: () => `{ backend: "sqlite", options: { path: "db/tasks.sqlite3", heartbeatMs: 200, leaseMs: 2000 } }`,
  capabilities: capabilitiesOf("sqlite"),
  runsWorker: true,
  management: true,
});
