import type { Redis } from "ioredis";
import { type OwnKeys, parseMember } from "./own-keys.js";

// The id → queue index, in id (= enqueue) order. A member "<id> <queue>" in one big sorted set
// costs ~150 bytes (Redis's skiplist encoding); in a sorted set of at most 128 members Redis keeps
// the compact listpack encoding, and an id stored as its 16 bytes instead of 36 characters makes
// a member ~25 bytes. So members live in buckets of ≤ 128, each a sorted set
// `<prefix>::ids:<start>` (score 0, read by lex range: the bytes sort as the ids do) holding the
// ids from its start up to the next bucket's; `<prefix>::ids` lists the starts (as text). Every
// operation is one Lua script (one round trip, atomic against concurrent enqueuers), which speaks
// text to its callers: members "<id> <queue>", bounds in ZRANGEBYLEX syntax over those. Results
// indexed by an older tasklane sit in the single set `<prefix>::index` (text members): read with
// the buckets (lookups, pages merged in order) and removed from it by prune, never written again.

/** The most members a bucket holds before it splits (Redis's zset-max-listpack-entries default). */
const BUCKET = 128;

const COMMON = `
local top, old, base = KEYS[1], KEYS[2], ARGV[1]
local function idOf(m) local s = string.find(m, " ", 1, true); if s then return string.sub(m, 1, s - 1) end return m end
local function floor(id) return redis.call("ZREVRANGEBYLEX", top, "[" .. id, "-", "LIMIT", 0, 1)[1] end
-- Hex digits to bytes (nil unless hex of even length); 16 bytes back to a canonical UUID.
local function bytes(hex)
  if #hex % 2 == 1 or string.find(hex, "[^0-9a-f]") then return nil end
  return (string.gsub(hex, "..", function(h) return string.char(tonumber(h, 16)) end))
end
local function uuid(b)
  local h = string.gsub(b, ".", function(c) return string.format("%02x", string.byte(c)) end)
  return string.sub(h, 1, 8) .. "-" .. string.sub(h, 9, 12) .. "-" .. string.sub(h, 13, 16) .. "-"
    .. string.sub(h, 17, 20) .. "-" .. string.sub(h, 21, 32)
end
-- The start of a text id or member as a bucket stores it: a whole canonical id (and its queue),
-- or the hex digits of a leading part of one ("0190abcd-12"); nil when it is neither.
local function dashesAt(t) return string.find(t, "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-") end
local function stored(t)
  local id = idOf(t)
  if #id == 36 then
    local b = bytes(string.lower(id) == id and string.gsub(id, "-", "") or "x")
    if not b or not dashesAt(id) then return nil end
    if #id < #t then return b .. string.sub(t, #id + 2) end
    return b
  end
  local canonical = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
  for k = 1, #id do
    local want, got = string.sub(canonical, k, k), string.sub(id, k, k)
    if (want == "-") ~= (got == "-") then return nil end
  end
  return bytes((string.gsub(id, "-", "")))
end
local function text(m) return uuid(string.sub(m, 1, 16)) .. " " .. string.sub(m, 17) end
-- a < b byte by byte, as ZRANGEBYLEX orders (Lua's own < follows the server's locale)
local function before(a, b)
  for k = 1, math.min(#a, #b) do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then return x < y end
  end
  return #a < #b
end
`;

/**
 * Adds members ("<id> <queue>"). A full bucket takes no more at its end (a new bucket starts
 * there) and is split in two before a member lands inside it: a sorted set that once grew past
 * 128 keeps Redis's big encoding even after it shrinks, so a bucket never holds more.
 */
const ADD = `${COMMON}
for i = 2, #ARGV do
  local id = idOf(ARGV[i])
  local m = stored(ARGV[i])
  if not m or #id ~= 36 then return redis.error_reply("not a tasklane id: " .. ARGV[i]) end
  local start = floor(id)
  if start then
    local key = base .. start
    local n = redis.call("ZCARD", key)
    if n >= ${BUCKET} and not redis.call("ZSCORE", key, m) then
      if #redis.call("ZRANGEBYLEX", key, "[" .. m, "+", "LIMIT", 0, 1) == 0 then
        start = nil
      else
        local upper = redis.call("ZRANGE", key, math.floor(n / 2), -1)
        local from = uuid(string.sub(upper[1], 1, 16))
        local scored = {}
        for j, u in ipairs(upper) do scored[2 * j - 1] = 0; scored[2 * j] = u end
        redis.call("ZREM", key, unpack(upper))
        redis.call("ZADD", base .. from, unpack(scored))
        redis.call("ZADD", top, 0, from)
        if before(from, id) then start = from end
      end
    end
  end
  if not start then
    start = id
    redis.call("ZADD", top, 0, start)
  end
  redis.call("ZADD", base .. start, 0, m)
end
return 1`;

/** The member of each id ("<id> <queue>"), or false. */
const FIND = `${COMMON}
local out = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  local found = false
  local b = #id == 36 and stored(id)
  local start = b and floor(id)
  if start then
    local m = redis.call("ZRANGEBYLEX", base .. start, "[" .. b, "[" .. b .. "\\255", "LIMIT", 0, 1)[1]
    if m then found = text(m) end
  end
  if not found then
    found = redis.call("ZRANGEBYLEX", old, "[" .. id .. " ", "[" .. id .. " \\255", "LIMIT", 0, 1)[1] or false
  end
  out[i - 1] = found
end
return out`;

/** Removes members ("<id> <queue>"; an emptied bucket goes). */
const REMOVE = `${COMMON}
for i = 2, #ARGV do
  local m = stored(ARGV[i])
  local start = m and floor(idOf(ARGV[i]))
  if start and redis.call("ZREM", base .. start, m) == 1 and redis.call("ZCARD", base .. start) == 0 then
    redis.call("DEL", base .. start)
    redis.call("ZREM", top, start)
  end
  redis.call("ZREM", old, ARGV[i])
end
return 1`;

/**
 * Up to ARGV[5] members between the lex bounds ARGV[3] (high) and ARGV[4] (low), over the text
 * members, in ARGV[2] order ("desc" or "asc"); or, with ARGV[2] "prefix", the first ARGV[5]
 * members whose id starts with ARGV[3]. Buckets are walked from the one holding the first bound,
 * then merged with the old single set.
 */
const PAGE = `${COMMON}
local dir, limit = ARGV[2], tonumber(ARGV[5])
local hi, lo, bhi, blo
if dir == "prefix" then
  local p = ARGV[3]
  dir, lo, hi = "asc", "[" .. p, "[" .. p .. "\\255"
  local hex = string.gsub(p, "-", "")
  local b = stored(p)
  if not b and #hex % 2 == 1 then b = stored(p .. "0") end
  if b then
    blo = "[" .. b
    bhi = "[" .. (#hex % 2 == 1 and string.sub(b, 1, -2) .. string.char(string.byte(b, -1) + 15) or b) .. "\\255"
  end
else
  hi, lo = ARGV[3], ARGV[4]
  local function bound(x)
    if x == "+" or x == "-" then return x end
    local b = stored(string.sub(x, 2))
    return b and (string.sub(x, 1, 1) .. b)
  end
  bhi, blo = bound(hi), bound(lo)
end
local function boundId(b) if b == "+" or b == "-" then return nil end return idOf(string.sub(b, 2)) end
local hiId, loId = boundId(hi), boundId(lo)
local got = {}
if bhi and blo and dir == "desc" then
  local cursor = hiId and ("[" .. hiId) or "+"
  while #got < limit do
    local starts = redis.call("ZREVRANGEBYLEX", top, cursor, "-", "LIMIT", 0, 8)
    if #starts == 0 then break end
    local stop = false
    for _, s in ipairs(starts) do
      for _, m in ipairs(redis.call("ZREVRANGEBYLEX", base .. s, bhi, blo, "LIMIT", 0, limit - #got)) do got[#got + 1] = text(m) end
      cursor = "(" .. s
      if #got >= limit or (loId and not before(loId, s)) then stop = true break end
    end
    if stop then break end
  end
elseif bhi and blo then
  local first = loId and floor(loId)
  local cursor = first and ("[" .. first) or "-"
  while #got < limit do
    local starts = redis.call("ZRANGEBYLEX", top, cursor, "+", "LIMIT", 0, 8)
    if #starts == 0 then break end
    local stop = false
    for _, s in ipairs(starts) do
      if hiId and before(hiId, s) then stop = true break end
      for _, m in ipairs(redis.call("ZRANGEBYLEX", base .. s, blo, bhi, "LIMIT", 0, limit - #got)) do got[#got + 1] = text(m) end
      cursor = "(" .. s
      if #got >= limit then stop = true break end
    end
    if stop then break end
  end
end
local older
if dir == "desc" then older = redis.call("ZREVRANGEBYLEX", old, hi, lo, "LIMIT", 0, limit)
else older = redis.call("ZRANGEBYLEX", old, lo, hi, "LIMIT", 0, limit) end
if #older == 0 then return got end
local out, i, j = {}, 1, 1
while #out < limit and (i <= #got or j <= #older) do
  local a, b = got[i], older[j]
  if b == nil or (a ~= nil and ((dir == "desc" and before(b, a)) or (dir ~= "desc" and before(a, b)))) then
    out[#out + 1] = a
    i = i + 1
  else
    out[#out + 1] = b
    j = j + 1
  end
end
return out`;

interface IndexCommands {
  tasklaneIndexAdd(top: string, old: string, base: string, ...members: string[]): Promise<unknown>;
  tasklaneIndexFind(top: string, old: string, base: string, ...ids: string[]): Promise<(string | null)[]>;
  tasklaneIndexRemove(top: string, old: string, base: string, ...members: string[]): Promise<unknown>;
  tasklaneIndexPage(
    top: string,
    old: string,
    base: string,
    dir: "asc" | "desc" | "prefix",
    hi: string,
    lo: string,
    limit: number,
  ): Promise<string[]>;
}

const SCRIPTS: Record<keyof IndexCommands, string> = {
  tasklaneIndexAdd: ADD,
  tasklaneIndexFind: FIND,
  tasklaneIndexRemove: REMOVE,
  tasklaneIndexPage: PAGE,
};

/** The client with the index scripts defined (EVALSHA, loaded again by ioredis after a Redis restart). */
function scripted(client: Redis): Redis & IndexCommands {
  const c = client as Redis & Partial<IndexCommands>;
  if (!c.tasklaneIndexAdd) {
    for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 2, lua });
  }
  return c as Redis & IndexCommands;
}

const where = (keys: OwnKeys) => [keys.ids, keys.legacyIndex, keys.idBucket("")] as const;

/** Adds index members (sent at once: callers that do not await it still have it ahead of later commands). */
export function addToIndex(client: Redis, keys: OwnKeys, members: string[]): Promise<unknown> {
  if (members.length === 0) return Promise.resolve();
  return scripted(client).tasklaneIndexAdd(...where(keys), ...members);
}

export async function removeFromIndex(client: Redis, keys: OwnKeys, members: string[]): Promise<void> {
  if (members.length > 0) await scripted(client).tasklaneIndexRemove(...where(keys), ...members);
}

/** The queue of each id found in the index (one round trip for any number of ids). */
export async function queuesOf(client: Redis, keys: OwnKeys, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const found = await scripted(client).tasklaneIndexFind(...where(keys), ...ids);
  found.forEach((member, i) => {
    if (member) out.set(ids[i] as string, parseMember(member).queueName);
  });
  return out;
}

/**
 * Up to `limit` index members between two ZRANGEBYLEX bounds over the text members ("+", "-",
 * "[x" inclusive, "(x" exclusive; x a member, an id or the start of one), newest first ("desc")
 * or oldest first ("asc").
 */
export function indexPage(
  client: Redis,
  keys: OwnKeys,
  dir: "asc" | "desc",
  bounds: { hi: string; lo: string },
  limit: number,
): Promise<string[]> {
  return scripted(client).tasklaneIndexPage(...where(keys), dir, bounds.hi, bounds.lo, Math.max(1, Math.floor(limit)));
}

/** Up to `limit` members whose id starts with `prefix`, oldest first. */
export function indexByPrefix(client: Redis, keys: OwnKeys, prefix: string, limit: number): Promise<string[]> {
  return scripted(client).tasklaneIndexPage(...where(keys), "prefix", prefix, "", Math.max(1, Math.floor(limit)));
}

/** A bucket member (an id's 16 bytes, then its queue) as text, "<id> <queue>". */
function bucketMember(stored: Buffer): string {
  const hex = stored.subarray(0, 16).toString("hex");
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return `${id} ${stored.subarray(16).toString()}`;
}

/**
 * Members whose id ends with `fragment` ("ends with": no index serves it), oldest first, at most
 * `limit`, skipping ids in `skip`. Walks every bucket (200 per round trip) and the old set: O(n).
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
    for (const [error, members] of (await p.exec()) ?? []) {
      if (error) throw error;
      for (const member of members as Buffer[]) take(bucketMember(member));
    }
    from = `(${starts[starts.length - 1]}`;
  }
  let cursor = "0";
  const pattern = `*${fragment.replace(/[*?[\]\\]/g, "\\$&")} *`;
  do {
    if (found.length >= limit) break;
    const [next, batch] = await client.zscan(keys.legacyIndex, cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    for (let i = 0; i < batch.length; i += 2) take(batch[i] as string);
  } while (cursor !== "0");
  return found.sort().slice(0, limit);
}
