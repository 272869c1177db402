import type { Redis } from "ioredis";
import { scripted } from "./id-index-scripts.js";
import { type OwnKeys, parseMember } from "./own-keys.js";
import { replyValues } from "./replies.js";

// The id → queue index, in id (= enqueue) order, in two parts:
// - `<prefix>::index`, one sorted set of text members "<id> <queue>" (score 0, read by lex
//   range): where an enqueue writes (one ZADD, sent with BullMQ's add), as tasklane always did.
//   In a set this size Redis keeps its skiplist encoding: ~150 bytes a member.
// - buckets of at most 128 members, where workers move those entries (compactIndex, as they run
//   and as they stop): in a sorted set that small Redis keeps the compact listpack
//   encoding, and an id stored as its 16 bytes instead of 36 characters makes a member ~25 bytes.
//   Each bucket `<prefix>::ids:<start>` (the bytes sort as the ids do) holds the ids from its
//   start up to the next bucket's; `<prefix>::ids` lists the starts (as text ids).
// A lookup or a page reads both (pages merged in order), a prune removes from both. Each is one
// Lua script: one round trip, atomic against enqueuers and compacting workers. Data written
// before buckets existed is simply a set not compacted yet.

/** Entries one compaction call moves (a few ms of Redis time: short enough not to hold others up). */
const COMPACT_BATCH = 500;

const where = (keys: OwnKeys) => [keys.ids, keys.index, keys.idBucket("")] as const;

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What a leading part of a canonical id looks like (its dashes where the id has them). */
const LEADING = /^[0-9a-f]{0,8}(-[0-9a-f]{0,4}(-[0-9a-f]{0,4}(-[0-9a-f]{0,4}(-[0-9a-f]{0,12})?)?)?)?$/;

/** Whether `id` is a whole canonical (lowercase) UUID, as tasklane makes them. */
export const isCanonicalId = (id: string) => CANONICAL.test(id);

/** The 16 bytes of a canonical (lowercase) UUID, or null: only those ids are kept in buckets. */
function idBytes(id: string): Buffer | null {
  return CANONICAL.test(id) ? Buffer.from(id.replace(/-/g, ""), "hex") : null;
}

/** A member as a bucket stores it: the id's 16 bytes, then the queue name. */
function stored(member: string): Buffer | null {
  const { id, queueName } = parseMember(member);
  const bytes = idBytes(id);
  return bytes && Buffer.concat([bytes, Buffer.from(queueName)]);
}

/** A stored bucket member as text, "<id> <queue>". */
function text(member: Buffer): string {
  const hex = member.subarray(0, 16).toString("hex");
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return `${id} ${member.subarray(16).toString()}`;
}

/**
 * A ZRANGEBYLEX bound over text members ("+", "-", "[x", "(x"; x a member, an id, or a leading
 * part of one such as the time prefix "0190abcd-12ab") as a bound over stored members; null when
 * x is none of those (the page then reads the index set only).
 */
function storedBound(bound: string): Buffer | string | null {
  if (bound === "+" || bound === "-") return bound;
  const mark = bound.slice(0, 1);
  const x = bound.slice(1);
  if (x.length >= 36) {
    const member = stored(x.length === 36 ? `${x} ` : x);
    if (!member) return null;
    return Buffer.concat([Buffer.from(mark), x.length === 36 ? member.subarray(0, 16) : member]);
  }
  const hex = x.replace(/-/g, "");
  if (!LEADING.test(x) || hex.length % 2 === 1) return null;
  return Buffer.concat([Buffer.from(mark), Buffer.from(hex, "hex")]);
}

/** The id part of a text bound, for finding its bucket ("" for "+" and "-"). */
const boundId = (bound: string) => (bound === "+" || bound === "-" ? "" : parseMember(`${bound.slice(1)} `).id);

/**
 * Merges two sorted lists of text members. A member can be in both for a moment (a schedule's
 * tick stored again after its entry was moved to a bucket): it is listed once.
 */
function merge(a: string[], b: string[], desc: boolean, limit: number): string[] {
  if (b.length === 0) return a.slice(0, limit);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    if (x !== undefined && x === y) {
      out.push(x);
      i++;
      j++;
    } else if (y === undefined || (x !== undefined && (desc ? x > y : x < y))) {
      out.push(x as string);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

/**
 * Adds index members: one ZADD into the index set (sent at once: callers that do not await it
 * still have it ahead of later commands). Workers move them into buckets later (compactIndex).
 */
export function addToIndex(client: Redis, keys: OwnKeys, members: string[]): Promise<unknown> {
  if (members.length === 0) return Promise.resolve();
  return client.zadd(keys.index, ...members.flatMap((member) => [0, member]));
}

/**
 * Moves the index set's entries into buckets, up to `budget` of them (500 per Redis call, so no
 * call holds Redis for more than a few ms); returns how many moved. Any number of workers may
 * run it at once.
 */
export async function compactIndex(client: Redis, keys: OwnKeys, budget = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  for (let from = "-"; total < budget; ) {
    const [moved, seen, last] = await scripted(client).tasklaneIndexCompact(...where(keys), from, COMPACT_BATCH);
    total += moved;
    if (seen < COMPACT_BATCH) break;
    from = `(${last}`;
  }
  return total;
}

export async function removeFromIndex(client: Redis, keys: OwnKeys, members: string[]): Promise<void> {
  if (members.length === 0) return;
  const args = members.flatMap((member) => [member, CANONICAL.test(parseMember(member).id) ? "1" : "0"]);
  await scripted(client).tasklaneIndexRemove(...where(keys), ...args);
}

/** The queue of each id found in the index (one round trip for any number of ids). */
export async function queuesOf(client: Redis, keys: OwnKeys, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const args = ids.flatMap((id) => [id, CANONICAL.test(id) ? "1" : "0"]);
  const found = await scripted(client).tasklaneIndexFindBuffer(...where(keys), ...args);
  ids.forEach((id, i) => {
    const inBucket = found[2 * i];
    const inOld = found[2 * i + 1];
    const member = inBucket ? text(inBucket) : inOld?.toString();
    if (member) out.set(id, parseMember(member).queueName);
  });
  return out;
}

/**
 * Up to `limit` index members between two ZRANGEBYLEX bounds over the text members ("+", "-",
 * "[x" inclusive, "(x" exclusive; x a member, an id or a leading part of one), newest first
 * ("desc") or oldest first ("asc").
 */
export async function indexPage(
  client: Redis,
  keys: OwnKeys,
  dir: "asc" | "desc",
  bounds: { hi: string; lo: string },
  limit: number,
): Promise<string[]> {
  const bhi = storedBound(bounds.hi);
  const blo = storedBound(bounds.lo);
  const [from, to] =
    dir === "desc" ? [boundId(bounds.hi), boundId(bounds.lo)] : [boundId(bounds.lo), boundId(bounds.hi)];
  return page(client, keys, dir, bounds, bhi && blo ? { hi: bhi, lo: blo } : null, { from, to }, limit);
}

/** The smallest byte string above every string that starts with `prefix`, or null when none is (all 0xff). */
function bytesAfterPrefix(prefix: Buffer): Buffer | null {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return null;
  const out = Buffer.from(prefix.subarray(0, end));
  out[end - 1] = (out[end - 1] as number) + 1;
  return out;
}

/** Up to `limit` members whose id starts with `prefix`, oldest first. */
export function indexByPrefix(client: Redis, keys: OwnKeys, prefix: string, limit: number): Promise<string[]> {
  const bounds = { lo: `[${prefix}`, hi: `[${prefix}\xff` };
  const hex = prefix.replace(/-/g, "");
  let buckets: { hi: Buffer; lo: Buffer } | null = null;
  if (LEADING.test(prefix.slice(0, 36)) && prefix.length <= 36) {
    // An odd digit count: the last byte's low half runs 0..f.
    const low = Buffer.from(hex.length % 2 === 1 ? `${hex}0` : hex, "hex");
    const high = Buffer.from(hex.length % 2 === 1 ? `${hex}f` : hex, "hex");
    // Up to (not including) the first byte string past every id that starts with `high`: an
    // inclusive `high + 0xff` bound missed the ids whose next byte is 0xff itself.
    const past = bytesAfterPrefix(high);
    buckets = {
      lo: Buffer.concat([Buffer.from("["), low]),
      hi: past ? Buffer.concat([Buffer.from("("), past]) : Buffer.from("+"),
    };
  }
  return page(client, keys, "asc", bounds, buckets, { from: prefix, to: `${prefix}\xff` }, limit);
}

async function page(
  client: Redis,
  keys: OwnKeys,
  dir: "asc" | "desc",
  bounds: { hi: string; lo: string },
  buckets: { hi: Buffer | string; lo: Buffer | string } | null,
  walk: { from: string; to: string },
  limit: number,
): Promise<string[]> {
  const n = Math.max(1, Math.floor(limit));
  const [fromBuckets, fromOld] = await scripted(client).tasklaneIndexPageBuffer(
    ...where(keys),
    dir,
    bounds.hi,
    bounds.lo,
    buckets?.hi ?? "",
    buckets?.lo ?? "",
    walk.from,
    n,
    walk.to,
  );
  return merge(
    fromBuckets.map(text),
    fromOld.map((m) => m.toString()),
    dir === "desc",
    n,
  );
}

/**
 * Members whose id ends with `fragment` ("ends with": no index serves it), oldest first, at most
 * `limit`, skipping ids in `skip`. Walks every bucket (200 per round trip) and the index set: O(n).
 */
export async function membersEndingWith(
  client: Redis,
  keys: OwnKeys,
  fragment: string,
  limit: number,
  skip: ReadonlySet<string>,
): Promise<string[]> {
  const found: string[] = [];
  const take = (member: string) => {
    const { id } = parseMember(member);
    if (id.endsWith(fragment) && !skip.has(id)) found.push(member);
  };
  for (let from = "-"; found.length < limit; ) {
    const starts = await client.zrangebylex(keys.ids, from, "+", "LIMIT", 0, 200);
    if (starts.length === 0) break;
    const p = client.pipeline();
    for (const start of starts) p.zrangeBuffer(keys.idBucket(start), 0, -1);
    for (const members of replyValues<Buffer[]>(await p.exec())) {
      for (const member of members) take(text(member));
    }
    from = `(${starts[starts.length - 1]}`;
  }
  let cursor = "0";
  const pattern = `*${fragment.replace(/[*?[\]\\]/g, "\\$&")} *`;
  do {
    if (found.length >= limit) break;
    const [next, batch] = await client.zscan(keys.index, cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    for (let i = 0; i < batch.length; i += 2) take(batch[i] as string);
  } while (cursor !== "0");
  return found.sort().slice(0, limit);
}
