import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addToIndex,
  compactIndex,
  indexByPrefix,
  indexPage,
  membersEndingWith,
  queuesOf,
  removeFromIndex,
} from "../../../src/backends/redis/id-index.js";
import { indexMember, type OwnKeys, ownKeys } from "../../../src/backends/redis/own-keys.js";
import { newResultId } from "../../../src/core/ids.js";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl, uniquePrefix } from "../../conformance/redis-server.js";

/** UUIDv7s made over a few milliseconds (several share a millisecond), sorted. */
function ids(n: number): string[] {
  return Array.from({ length: n }, () => newResultId()).sort();
}

/** A deterministic shuffle (enqueuers in several processes send ids slightly out of order). */
function shuffled<T>(list: T[], seed = 7): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function buckets(client: Redis, keys: OwnKeys): Promise<{ size: number; encoding: string }[]> {
  const starts = await client.zrange(keys.ids, 0, -1);
  return Promise.all(
    starts.map(async (start) => ({
      size: await client.zcard(keys.idBucket(start)),
      encoding: String(await client.object("ENCODING", keys.idBucket(start))),
    })),
  );
}

/** Every member, newest first, read a page of `size` at a time as the management walk does. */
async function walkAll(client: Redis, keys: OwnKeys, size: number, lo = "-"): Promise<string[]> {
  const out: string[] = [];
  for (let hi = "+"; ; ) {
    const page = await indexPage(client, keys, "desc", { hi, lo }, size);
    out.push(...page);
    if (page.length < size) return out;
    hi = `(${page[page.length - 1]}`;
  }
}

if (redisAvailable || mustRunRedis) {
  provideRedis();
  let client: Redis;
  beforeAll(() => {
    client = new Redis(redisUrl());
  });
  afterAll(() => client.disconnect());

  /** Adds members (one ZADD each batch, as enqueues do), then moves them into buckets (as workers do). */
  async function addAndCompact(keys: OwnKeys, members: string[], batch = members.length): Promise<void> {
    for (let i = 0; i < members.length; i += batch) await addToIndex(client, keys, members.slice(i, i + batch));
    await compactIndex(client, keys);
  }

  describe("redis id index (an index set, compacted into buckets of at most 128)", () => {
    it("compaction keeps every bucket compact (listpack, ≤ 128), whether ids come in order, shuffled or land inside full buckets", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const all = ids(3000);
      const members = all.map((id, i) => indexMember(id, i % 3 === 0 ? "emails" : "default"));
      const early = members.filter((_, i) => i % 2 === 0);
      const late = members.filter((_, i) => i % 2 === 1);
      // Half in order, one at a time; then the other half, shuffled, lands inside full buckets.
      for (const m of early.slice(0, 700)) await addToIndex(client, keys, [m]);
      await compactIndex(client, keys);
      await addAndCompact(keys, early.slice(700), 100);
      expect(await client.exists(keys.index)).toBe(0);
      await addAndCompact(keys, shuffled(late), 37);
      // Entries added again (a schedule's tick stored twice) change nothing.
      await addAndCompact(keys, members.slice(0, 200));
      const sizes = await buckets(client, keys);
      expect(sizes.every((b) => b.size <= 128 && b.size > 0 && b.encoding === "listpack")).toBe(true);
      expect(sizes.reduce((n, b) => n + b.size, 0)).toBe(3000);
      expect(await client.exists(keys.index)).toBe(0);

      expect(await walkAll(client, keys, 500)).toEqual([...members].reverse());
      expect(await walkAll(client, keys, 7)).toEqual([...members].reverse());
      const asc = await indexPage(client, keys, "asc", { lo: "-", hi: "+" }, 5000);
      expect(asc).toEqual(members);

      const found = await queuesOf(client, keys, [
        all[0] as string,
        all[3] as string,
        all[2999] as string,
        newResultId(),
      ]);
      expect([...found]).toEqual([
        [all[0], "emails"],
        [all[3], "emails"],
        [all[2999], "default"],
      ]);
    });

    it("entries not compacted yet are read with the buckets: lookups, pages in order, a member in both listed once, removal", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const all = ids(400).map((id, i) => indexMember(id, i % 2 ? "set" : "bucket"));
      // Interleaved ids: compacted ones, and ones added since (or by an older tasklane, which
      // wrote only the index set).
      await addAndCompact(
        keys,
        all.filter((_, i) => i % 2 === 0),
      );
      const inSet = all.filter((_, i) => i % 2 === 1);
      await addToIndex(client, keys, inSet);
      await addToIndex(client, keys, [all[0] as string]);
      expect(await walkAll(client, keys, 50)).toEqual([...all].reverse());
      expect(await indexPage(client, keys, "asc", { lo: "-", hi: "+" }, 1000)).toEqual(all);
      const setId = (inSet[10] as string).split(" ")[0] as string;
      const bucketId = (all[20] as string).split(" ")[0] as string;
      const found = await queuesOf(client, keys, [setId, bucketId]);
      expect([found.get(setId), found.get(bucketId)]).toEqual(["set", "bucket"]);
      expect(await membersEndingWith(client, keys, setId.slice(-12), 5, new Set())).toEqual([inSet[10]]);
      await removeFromIndex(client, keys, [inSet[10] as string, all[0] as string, all[20] as string]);
      expect(await client.zscore(keys.index, inSet[10] as string)).toBeNull();
      expect((await walkAll(client, keys, 50)).length).toBe(397);
      expect(await queuesOf(client, keys, [bucketId])).toEqual(new Map());
    });

    it("bounds: a page below an id, at or after a lower bound", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const all = ids(600);
      await addAndCompact(
        keys,
        all.map((id) => indexMember(id, "default")),
      );
      const member = (i: number) => indexMember(all[i] as string, "default");
      const below = await indexPage(client, keys, "desc", { hi: `(${all[300]}`, lo: "-" }, 10);
      expect(below).toEqual([299, 298, 297, 296, 295, 294, 293, 292, 291, 290].map(member));
      const from = await indexPage(client, keys, "desc", { hi: "+", lo: `[${all[590]}` }, 100);
      expect(from).toEqual([599, 598, 597, 596, 595, 594, 593, 592, 591, 590].map(member));
      const time = (all[450] as string).slice(0, 13);
      const since = await indexPage(client, keys, "desc", { hi: "+", lo: `[${time}` }, 1000);
      expect(since).toEqual(
        all
          .filter((id) => id >= time)
          .reverse()
          .map((id) => indexMember(id, "default")),
      );
    });

    it("finds ids by a prefix of any length (odd, ending at a dash), in buckets and in the index set", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const tails = ["a00000000001", "a00000000002", "b00000000003", "c00000000004", "c0000000000a"];
      const made = tails.map((tail) => `0190abcd-0000-7000-8000-${tail}`);
      await addAndCompact(
        keys,
        made.map((id) => indexMember(id, "q")),
      );
      await addToIndex(client, keys, [
        "0190abcd-0000-7000-8000-a00000000009 q",
        "0190abce-0000-7000-8000-000000000001 q",
      ]);
      const found = async (prefix: string, limit = 10) =>
        (await indexByPrefix(client, keys, prefix, limit)).map((m) => m.split(" ")[0]);
      expect(await found(made[0] as string)).toEqual([made[0]]);
      expect(await found("0190abcd-0000-7000-8000-b")).toEqual([made[2]]);
      expect(await found("0190abcd-0000-7000-8000-a")).toEqual([
        made[0],
        made[1],
        "0190abcd-0000-7000-8000-a00000000009",
      ]);
      expect(await found("0190abcd-0000-7000-8000-")).toHaveLength(6);
      expect(await found("0190abcd-0000-7")).toHaveLength(6);
      expect(await found("0190abc")).toHaveLength(7);
      expect(await found("0190abcd", 2)).toEqual([made[0], made[1]]);
      expect(await found("0190abcf")).toEqual([]);
      // Not a prefix of the canonical form (a dash missing): nothing, as on SQLite.
      expect(await found("0190abcd0000")).toEqual([]);
      expect(await found("0190ABCD")).toEqual([]);
    });

    it("finds an id whose byte after the prefix is 0xff (or whose every remaining byte is)", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const made = ["0190abcd-0000-7000-8000-ff0000000001", "0190abcd-0000-7000-8000-ffffffffffff"];
      const after = "0190abce-0000-7000-8000-000000000001";
      await addAndCompact(
        keys,
        [...made, after].map((id) => indexMember(id, "q")),
      );
      const found = async (prefix: string) =>
        (await indexByPrefix(client, keys, prefix, 10)).map((m) => m.split(" ")[0]);
      expect(await found("0190abcd-0000-7000-8000-")).toEqual(made);
      expect(await found("0190abcd-0000-7000-8000-f")).toEqual(made);
      expect(await found("0190abcd-0000-7000-8000-ffffffffff")).toEqual([made[1]]);
      expect(await found(made[1] as string)).toEqual([made[1]]);
      expect(await found("0190abcd")).toEqual(made);
    });

    it("removes members; a bucket left empty goes; what is left reads the same", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const all = ids(1000).map((id) => indexMember(id, "q"));
      await addAndCompact(keys, all);
      const gone = all.filter((_, i) => i % 2 === 0 || (i >= 200 && i < 500));
      await removeFromIndex(client, keys, gone);
      const left = all.filter((m) => !gone.includes(m));
      expect(await walkAll(client, keys, 33)).toEqual([...left].reverse());
      const sizes = await buckets(client, keys);
      expect(sizes.every((b) => b.size > 0)).toBe(true);
      await removeFromIndex(client, keys, left);
      expect(await client.exists(keys.ids)).toBe(0);
      expect(await client.keys(`${keys.idBucket("")}*`)).toEqual([]);
    });

    it("finds ids by their tail across every bucket and the index set, skipping the ones given", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const base = "0190abcd-0000-7000-8000-";
      const members = Array.from({ length: 300 }, (_, i) => indexMember(`${base}${String(i).padStart(12, "0")}`, "q"));
      await addAndCompact(keys, members.slice(0, 250));
      await addToIndex(client, keys, members.slice(250));
      expect(await membersEndingWith(client, keys, "000000000100", 10, new Set())).toEqual([members[100]]);
      const many = await membersEndingWith(client, keys, "5", 100, new Set([`${base}000000000005`]));
      expect(many).toEqual(members.filter((_, i) => i % 10 === 5 && i !== 5));
    });
  });
} else {
  describe.skip("redis id index (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
