import { describe, expect, it } from "vitest";
import { idTime, newResultId } from "../../src/core/ids.js";

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string) => Number.parseInt(id.replace(/-/g, "").slice(0, 12), 16);

describe("result ids", () => {
  it("are UUIDv7 strings carrying the time they were made", () => {
    const before = Date.now();
    const id = newResultId();
    const after = Date.now();
    expect(id).toMatch(V7);
    expect(msOf(id)).toBeGreaterThanOrEqual(before);
    expect(msOf(id)).toBeLessThanOrEqual(after);
  });

  it("strictly increase within one process, across the random pool's refills", () => {
    const ids = Array.from({ length: 20_000 }, () => newResultId());
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(new Set(ids.map((id) => id.slice(-12))).size).toBe(ids.length); // the random tail differs every time
    for (const id of ids) expect(id).toMatch(V7);
  });

  it("stay ordered when more than 4,096 are made in one millisecond (the timestamp moves ahead)", () => {
    const now = Date.now() + 60_000; // a millisecond no earlier id used
    const ids = Array.from({ length: 10_000 }, () => newResultId(now));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(msOf(ids[0]!)).toBe(now);
    expect(msOf(ids.at(-1)!)).toBeGreaterThan(now);
    expect(msOf(ids.at(-1)!) - now).toBeLessThanOrEqual(5);
  });

  it("idTime reads the time back (null for an id that is not a UUIDv7)", () => {
    const now = Date.now() + 120_000;
    expect(idTime(newResultId(now))).toBe(now);
    expect(idTime("01a241ed-2577-4580-a1fd-c65d00e95463")).toBeNull(); // a v4
    expect(idTime("job-1")).toBeNull();
  });
});
