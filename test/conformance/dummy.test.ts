import { capabilitiesOf } from "./context.js";
import { conformanceSuite } from "./suite.js";

conformanceSuite({
  name: "dummy",
  backend: () => `{ backend: "dummy" }`,
  capabilities: capabilitiesOf("dummy"),
  runsWorker: false,
  management: false,
});
