import { capabilitiesOf } from "./context.js";
import { conformanceSuite } from "./suite.js";

conformanceSuite({
  name: "immediate",
  backend: () => `{ backend: "immediate" }`,
  capabilities: capabilitiesOf("immediate"),
  runsWorker: false,
  management: false,
  runsInCaller: true,
});
