import { capabilitiesOf } from "../../src/testing/context.js";
import { conformanceSuite } from "../../src/testing/index.js";

conformanceSuite({
  name: "dummy",
  backend: () => `{ backend: "dummy" }`,
  capabilities: capabilitiesOf("dummy"),
  runsWorker: false,
  management: false,
});
