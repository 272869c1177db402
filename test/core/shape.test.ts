import { describe, expect, it } from "vitest";
import { sqliteKind } from "../../src/backends/sqlite/kind.js";
import { SQLITE_DEFAULTS } from "../../src/core/defaults.js";
import {
  array,
  custom,
  either,
  integer,
  object,
  oneOf,
  optional,
  record,
  type Shape,
  ShapeError,
  string,
  unknown,
  withDefault,
} from "../../src/core/shape.js";

/** What `s` says about `value`, as the config prints it. */
function problem(s: Shape<unknown>, value: unknown, prefix = ""): string {
  try {
    s.parse(value);
  } catch (error) {
    if (error instanceof ShapeError) return error.describe(prefix);
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe("config shapes", () => {
  it("name where the first problem is and what was expected", () => {
    const s = object({
      backends: optional(
        record(object({ queues: optional(array(string({ nonEmpty: true }))) }), { nonEmptyKeys: true }),
      ),
    });
    expect(problem(s, { backends: { default: { queues: ["a", 5] } } })).toBe(
      "backends.default.queues[1]: expected string, received number",
    );
    expect(problem(s, { backends: { default: { queues: [""] } } })).toBe(
      "backends.default.queues[0]: expected a non-empty string",
    );
    expect(problem(s, { backends: { "": {} } })).toBe('backends: expected non-empty names, found ""');
    expect(problem(s, { backends: [] })).toBe("backends: expected object, received array");
    expect(problem(s, null)).toBe("expected object, received null");
  });

  it("refuse unknown keys, naming them all", () => {
    expect(problem(object({ a: optional(unknown()) }), { b: 1, c: 2 }, "schedules.p")).toBe(
      'schedules.p: unknown key(s) "b", "c"',
    );
  });

  it("check integers, ranges and choices, saying the value given", () => {
    expect(problem(integer({ min: 1 }), -5)).toBe("expected a positive integer, got -5");
    expect(problem(integer({ min: 1 }), 1.5)).toBe("expected a positive integer, got 1.5");
    expect(problem(integer({ min: 0 }), "3")).toBe("expected number, received string");
    expect(problem(integer({ min: 0 }), Number.NaN)).toBe("expected number, received NaN");
    expect(problem(integer({ min: 1, max: 10 }), 11)).toBe("expected an integer from 1 to 10, got 11");
    expect(problem(oneOf(["latest", "all"]), "some")).toBe('expected one of "latest", "all", got "some"');
    expect(problem(oneOf(["latest", "all"]), 3)).toBe('expected one of "latest", "all", got number');
  });

  it("run a string's own rule, custom checks and alternatives", () => {
    const upper = string({ rule: (v) => (v === v.toUpperCase() ? null : "expected capitals") });
    expect(problem(upper, "abc")).toBe("expected capitals");
    expect(upper.parse("ABC")).toBe("ABC");
    const fn = custom((v) => typeof v === "function", "a function");
    expect(problem(fn, 3)).toBe("expected a function, received number");
    const kind = either<unknown>([string({ nonEmpty: true }), fn], "a name or a function");
    expect(kind.parse("sqlite")).toBe("sqlite");
    expect(problem(kind, 3)).toBe("expected a name or a function, received number");
    expect(problem(object({ cron: string() }), {})).toBe("cron: expected string, received undefined");
  });

  it("fill defaults in and leave optional keys out", () => {
    expect(sqliteKind.options.parse({ leaseMs: 5000 })).toEqual({
      path: SQLITE_DEFAULTS.path,
      leaseMs: 5000,
      heartbeatMs: SQLITE_DEFAULTS.heartbeatMs,
      busyTimeoutMs: SQLITE_DEFAULTS.busyTimeoutMs,
    });
    const s = object({ a: optional(integer()), b: withDefault(integer(), 7) });
    expect(s.parse({})).toEqual({ b: 7 });
    expect(Object.keys(s.parse({}))).toEqual(["b"]);
    expect(problem(sqliteKind.options, { busyTimeoutMs: -1 }, "backends.default.options")).toBe(
      "backends.default.options.busyTimeoutMs: expected an integer ≥ 0, got -1",
    );
  });
});
