import { afterEach, describe, expect, it } from "vitest";
import { setActiveConfig } from "../../src/config/registry.js";
import { ConfigError, defineConfig } from "../../src/index.js";

afterEach(() => setActiveConfig(null));

const withRetention = (retention: unknown, backend = "sqlite") =>
  defineConfig({
    backends: { default: { backend, options: backend === "sqlite" ? { path: ":memory:" } : {}, retention } as never },
  });

describe("backends.X.retention", () => {
  it("takes the ages tasks prune takes; failedOlderThan defaults to olderThan", async () => {
    const { activeConfig } = await import("../../src/config/registry.js");
    withRetention({ olderThan: "14d", failedOlderThan: "90 days" });
    expect(activeConfig()?.backends.get("default")?.retention).toEqual({
      olderThanMs: 14 * 86_400_000,
      failedOlderThanMs: 90 * 86_400_000,
      olderThan: "14d",
      failedOlderThan: "90 days",
    });
    withRetention({ olderThan: "0s" });
    expect(activeConfig()?.backends.get("default")?.retention).toMatchObject({ olderThanMs: 0, failedOlderThanMs: 0 });
  });

  it("refuses a bad age, an unknown key, and a backend whose workers cannot apply it, naming each", () => {
    const refused = (retention: unknown, backend?: string) => {
      try {
        withRetention(retention, backend);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error("accepted");
    };
    expect(refused({ olderThan: "forever" })).toBe(
      'backends.default.retention.olderThan: "forever" is not a duration; use a number with a unit, e.g. 30s, 10m, 12h, 30d',
    );
    expect(refused({ olderThan: "1d", failedOlderThan: "-1d" })).toMatch(
      /^backends\.default\.retention\.failedOlderThan: "-1d" is not a duration/,
    );
    expect(refused({ olderThan: "1d", failed: "2d" })).toMatch(
      /^backends\.default\.retention: unknown key\(s\) "failed"/,
    );
    expect(refused({ olderThan: "1d" }, "immediate")).toBe(
      'backends.default.retention: backend "default" (immediate) runs no workers, and workers are what prune; drop retention here',
    );
  });
});
