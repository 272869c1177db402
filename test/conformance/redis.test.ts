import { describe, it } from "vitest";
import { capabilitiesOf } from "../../src/testing/context.js";
import { conformanceSuite } from "../../src/testing/index.js";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl } from "./redis-server.js";

if (redisAvailable || mustRunRedis) {
  provideRedis();
  conformanceSuite({
    name: "redis",
    backend: ({ unique }) =>
      `{ backend: "redis", options: { url: ${JSON.stringify(redisUrl())}, prefix: "tl-${unique}", heartbeatMs: 200 } }`,
    capabilities: capabilitiesOf("redis"),
    runsWorker: true,
    management: true,
    // BullMQ's open-source edition has no groups: no per-key concurrency (kind.ts).
    controls: { pause: true, queueConcurrency: true, rateLimit: true, keyConcurrency: false },
  });
} else {
  describe.skip("redis conformance (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
