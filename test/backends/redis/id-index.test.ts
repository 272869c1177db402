import { Redis } from "ioredis";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addToIndex,
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

  describe("redis id index (buckets of at most 128)", () => {
    it("keeps every bucket compact (listpack, ≤ 128) whether ids come in order, shuffled or in batches", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const all = ids(3000);
      const members = all.map((id, i) => indexMember(id, i % 3 === 0 ? "emails" : "default"));
      // In order one at a time, shuffled one at a time, then shuffled batches of 100.
      for (const m of members.slice(0, 500)) await addToIndex(client, keys, [m]);
      for (const m of shuffled(members.slice(500, 1000))) await addToIndex(client, keys, [m]);
      const rest = shuffled(members.slice(1000));
      for (let i = 0; i < rest.length; i += 100) await addToIndex(client, keys, rest.slice(i, i + 100));
      // Adding a member again changes nothing.
      await addToIndex(client, keys, members.slice(0, 200));
      const sizes = await buckets(client, keys);
      expect(sizes.every((b) => b.size <= 128 && b.size > 0 && b.encoding === "listpack")).toBe(true);
      expect(sizes.reduce((n, b) => n + b.size, 0)).toBe(3000);

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

    it("bounds: a page below an id, at or after a lower bound, and by id prefix", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const all = ids(600);
      await addToIndex(
        client,
        keys,
        all.map((id) => indexMember(id, "default")),
      );
      const member = (i: number) => indexMember(all[i] as string, "default");
      const below = await indexPage(client, keys, "desc", { hi: `(${all[300]}`, lo: "-" }, 10);
      expect(below).toEqual([299, 298, 297, 296, 295, 294, 293, 292, 291, 290].map(member));
      const from = await indexPage(client, keys, "desc", { hi: "+", lo: `[${all[590]}` }, 100);
      expect(from).toEqual([599, 598, 597, 596, 595, 594, 593, 592, 591, 590].map(member));
      const prefix = (all[123] as string).slice(0, 30);
      const wanted = all.filter((id) => id.startsWith(prefix)).map((id) => indexMember(id, "default"));
      const byPrefix = await indexByPrefix(client, keys, prefix, 50);
      expect(byPrefix).toEqual(wanted.slice(0, 50));
      expect(byPrefix).toContain(member(123));
    });

    it("finds ids by a prefix of any length (odd, ending at a dash), in buckets and in the old set", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const tails = ["a00000000001", "a00000000002", "b00000000003", "c00000000004", "c0000000000a"];
      const ids = tails.map((tail) => `0190abcd-0000-7000-8000-${tail}`);
      await addToIndex(
        client,
        keys,
        ids.map((id) => indexMember(id, "q")),
      );
      await client.zadd(
        keys.legacyIndex,
        0,
        "0190abcd-0000-7000-8000-a00000000009 q",
        0,
        "0190abce-0000-7000-8000-000000000001 q",
      );
      const found = async (prefix: string, limit = 10) =>
        (await indexByPrefix(client, keys, prefix, limit)).map((m) => m.split(" ")[0]);
      expect(await found(ids[0] as string)).toEqual([ids[0]]);
      expect(await found("0190abcd-0000-7000-8000-b")).toEqual([ids[2]]);
      expect(await found("0190abcd-0000-7000-8000-a")).toEqual([
        ids[0],
        ids[1],
        "0190abcd-0000-7000-8000-a00000000009",
      ]);
      expect(await found("0190abcd-0000-7000-8000-")).toHaveLength(6);
      expect(await found("0190abcd-0000-7")).toHaveLength(6);
      expect(await found("0190abc")).toHaveLength(7);
      expect(await found("0190abcd", 2)).toEqual([ids[0], ids[1]]);
      expect(await found("0190abcf")).toEqual([]);
      // Not a prefix of the canonical form (a dash missing): nothing, as on SQLite.
      expect(await found("0190abcd0000")).toEqual([]);
      expect(await found("0190ABCD")).toEqual([]);
      const [id] = await indexByPrefix(client, keys, "0190abcd-0000-7000-8000-c0000000000a", 1);
      expect(id).toBe("0190abcd-0000-7000-8000-c0000000000a q");
    });

    it("removes members; a bucket left empty goes; what is left reads the same", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const all = ids(1000).map((id) => indexMember(id, "q"));
      await addToIndex(client, keys, all);
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

    it("reads an index written by an older tasklane (one sorted set) with the buckets: lookups, pages in order, removal", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const all = ids(400).map((id, i) => indexMember(id, i % 2 ? "old" : "new"));
      // Interleaved: a rolling deploy, old and new processes enqueueing at once.
      const old = all.filter((_, i) => i % 2 === 1);
      await client.zadd(keys.legacyIndex, ...old.flatMap((m) => [0, m]));
      await addToIndex(
        client,
        keys,
        all.filter((_, i) => i % 2 === 0),
      );
      expect(await walkAll(client, keys, 50)).toEqual([...all].reverse());
      expect(await indexPage(client, keys, "asc", { lo: "-", hi: "+" }, 1000)).toEqual(all);
      const oldId = (old[10] as string).split(" ")[0] as string;
      expect((await queuesOf(client, keys, [oldId])).get(oldId)).toBe("old");
      const tail = oldId.slice(-12);
      expect(await membersEndingWith(client, keys, tail, 5, new Set())).toEqual([old[10]]);
      await removeFromIndex(client, keys, [old[10] as string, all[0] as string]);
      expect(await client.zscore(keys.legacyIndex, old[10] as string)).toBeNull();
      expect((await walkAll(client, keys, 50)).length).toBe(398);
    });

    it("finds ids by their tail across every bucket, skipping the ones given", async () => {
      const keys = ownKeys(uniquePrefix("ix"));
      const base = "0190abcd-0000-7000-8000-";
      const members = Array.from({ length: 300 }, (_, i) => indexMember(`${base}${String(i).padStart(12, "0")}`, "q"));
      await addToIndex(client, keys, members);
      const ending = await membersEndingWith(client, keys, "000000000100", 10, new Set());
      expect(ending).toEqual([members[100]]);
      const many = await membersEndingWith(client, keys, "5", 100, new Set([`${base}000000000005`]));
      expect(many).toEqual(members.filter((_, i) => i % 10 === 5 && i !== 5));
    });
  });
} else {
  describe.skip("redis id index (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
