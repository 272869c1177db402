import { capabilitiesOf } from "../../src/testing/context.js";
import { conformanceSuite } from "../../src/testing/index.js";

conformanceSuite({
  name: "immediate",
  backend: () => `{ backend: "immediate" }`,
  capabilities: capabilitiesOf("immediate"),
  runsWorker: false,
  management: false,
  runsInCaller: true,
});
