import type { Redis } from "ioredis";
import { withScripts } from "./scripts.js";

// The Lua of the id → queue index (id-index.ts explains the layout). The scripts walk and
// compare; conversions between text and bytes happen in id-index.ts, except where a script must
// make them itself (moving entries, looking ids up). Every script gets KEYS = the bucket starts,
// the index set; ARGV[1] = the buckets' key prefix.

/** The most members a bucket holds (Redis's zset-max-listpack-entries default). */
const BUCKET = 128;

const COMMON = `
-- top: the bucket starts; old: the index set (entries not in buckets yet); base: the buckets' key prefix
local top, old, base = KEYS[1], KEYS[2], ARGV[1]
local function floor(id) return redis.call("ZREVRANGEBYLEX", top, "[" .. id, "-", "LIMIT", 0, 1)[1] end
-- A canonical id's 16 bytes (four 8-digit numbers: cheaper than a call per byte).
local function bytes(id)
  local h, out = string.gsub(id, "-", ""), {}
  for k = 1, 25, 8 do
    local n = tonumber(string.sub(h, k, k + 7), 16)
    out[#out + 1] = string.char(math.floor(n / 16777216), math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  end
  return table.concat(out)
end
-- A text member "<id> <queue>" as a bucket stores it (the id's bytes, then the queue).
local function stored(m) return bytes(string.sub(m, 1, 36)) .. string.sub(m, 38) end
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
 * Moves up to ARGV[3] entries of the index set, from the lex bound ARGV[2] on, into buckets;
 * returns { moved, looked at, the last one looked at }. Entries that are no canonical id stay.
 * Runs of members that extend a bucket at its end are added with one ZADD; a full bucket takes
 * no more at its end (a new bucket starts there) and is split in two before a member lands
 * inside it (a sorted set that once grew past 128 keeps Redis's big encoding even after it shrinks).
 */
const COMPACT = `${COMMON}
local function hex(b)
  local h = string.gsub(b, ".", function(c) return string.format("%02x", string.byte(c)) end)
  return string.sub(h, 1, 8) .. "-" .. string.sub(h, 9, 12) .. "-" .. string.sub(h, 13, 16) .. "-"
    .. string.sub(h, 17, 20) .. "-" .. string.sub(h, 21, 32)
end
-- One member into its bucket (the general case); returns the bucket's start.
local function addOne(id, m)
  local start = floor(id)
  if start then
    local key = base .. start
    local n = redis.call("ZCARD", key)
    if n >= ${BUCKET} and not redis.call("ZSCORE", key, m) then
      if #redis.call("ZRANGEBYLEX", key, "[" .. m, "+", "LIMIT", 0, 1) == 0 then
        start = nil
      else
        local upper = redis.call("ZRANGE", key, math.floor(n / 2), -1)
        local from = hex(string.sub(upper[1], 1, 16))
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
  return start
end
-- Hex pairs to bytes by table: one gsub per id (the general bytes() makes four numbers). An id
-- that is not canonical (lowercase hex, dashes in their places) comes back nil: it stays.
local PAIR = {}
for v = 0, 255 do PAIR[string.format("%02x", v)] = string.char(v) end
local DASH = 45
local function fast(t)
  local b = string.byte
  if #t < 38 or b(t, 37) ~= 32 or b(t, 9) ~= DASH or b(t, 14) ~= DASH or b(t, 19) ~= DASH or b(t, 24) ~= DASH then return nil end
  local raw = string.gsub(string.gsub(string.sub(t, 1, 36), "-", ""), "..", PAIR)
  if #raw ~= 16 then return nil end
  return raw .. string.sub(t, 38)
end
local batch = redis.call("ZRANGEBYLEX", old, ARGV[2], "+", "LIMIT", 0, tonumber(ARGV[3]))
local moved, run = {}, {}
-- The run: members appended at the end of bucket cur (the batch comes in id order, so each is
-- past the one before), while it has room and they stay below the next bucket's start.
local cur, count, nextStart
local function flush()
  if #run > 0 then redis.call("ZADD", base .. cur, unpack(run)) end
  run = {}
end
for _, t in ipairs(batch) do
  local id, m = string.sub(t, 1, 36), fast(t)
  if m then
    if cur and count < ${BUCKET} and (not nextStart or before(id, nextStart)) then
      run[#run + 1] = 0
      run[#run + 1] = m
      count = count + 1
    else
      flush()
      cur = addOne(id, m)
      count = redis.call("ZCARD", base .. cur)
      nextStart = redis.call("ZRANGEBYLEX", top, "(" .. cur, "+", "LIMIT", 0, 1)[1]
      -- A run goes on only from a member that is the bucket's last (not one put inside it).
      if redis.call("ZRANGE", base .. cur, -1, -1)[1] ~= m then cur = nil end
    end
    moved[#moved + 1] = t
  end
end
flush()
-- Moved all it read (the usual case): one range removal instead of a member at a time.
if #moved > 0 and #moved == #batch then redis.call("ZREMRANGEBYLEX", old, "[" .. batch[1], "[" .. batch[#batch])
elseif #moved > 0 then redis.call("ZREM", old, unpack(moved)) end
return { #moved, #batch, batch[#batch] or "" }`;

/**
 * For each id (ARGV pairs: the id, "1" when it is canonical), two entries: its stored member in
 * a bucket (or false), then its text member in the index set (or false).
 */
const FIND = `${COMMON}
local out = {}
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  local b = ARGV[i + 1] == "1" and bytes(id)
  local start = b and floor(id)
  local found = start and redis.call("ZRANGEBYLEX", base .. start, "[" .. b, "[" .. b .. "\\255", "LIMIT", 0, 1)[1]
  out[#out + 1] = found or false
  out[#out + 1] = not found and redis.call("ZRANGEBYLEX", old, "[" .. id .. " ", "[" .. id .. " \\255", "LIMIT", 0, 1)[1] or false
end
return out`;

/** Removes members (ARGV pairs: the text member, "1" when its id is canonical); an emptied bucket goes. */
const REMOVE = `${COMMON}
for i = 2, #ARGV, 2 do
  local m = ARGV[i]
  local start = ARGV[i + 1] == "1" and floor(string.sub(m, 1, 36))
  if start and redis.call("ZREM", base .. start, stored(m)) == 1 and redis.call("ZCARD", base .. start) == 0 then
    redis.call("DEL", base .. start)
    redis.call("ZREM", top, start)
  end
  redis.call("ZREM", old, m)
end
return 1`;

/**
 * Up to ARGV[8] members in ARGV[2] order ("desc" or "asc"), as two lists: the buckets' (stored
 * members between the bounds ARGV[5], ARGV[6]; none when those are "") and the index set's (text
 * members between ARGV[3], ARGV[4]). The bucket walk starts at the bucket holding the first
 * bound (the text ids ARGV[7] for the high side in "desc", the low side in "asc", or "") and stops
 * past the other (ARGV[9], or "").
 */
const PAGE = `${COMMON}
local dir, hi, lo, bhi, blo, from, to, limit = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[9], tonumber(ARGV[8])
local got = {}
if bhi ~= "" then
  local desc = dir == "desc"
  local cursor
  if desc then cursor = from ~= "" and ("[" .. from) or "+"
  else
    local first = from ~= "" and floor(from)
    cursor = first and ("[" .. first) or "-"
  end
  while #got < limit do
    local starts
    if desc then starts = redis.call("ZREVRANGEBYLEX", top, cursor, "-", "LIMIT", 0, 8)
    else starts = redis.call("ZRANGEBYLEX", top, cursor, "+", "LIMIT", 0, 8) end
    if #starts == 0 then break end
    local stop = false
    for _, s in ipairs(starts) do
      if not desc and to ~= "" and before(to, s) then stop = true break end
      local page
      if desc then page = redis.call("ZREVRANGEBYLEX", base .. s, bhi, blo, "LIMIT", 0, limit - #got)
      else page = redis.call("ZRANGEBYLEX", base .. s, blo, bhi, "LIMIT", 0, limit - #got) end
      for _, m in ipairs(page) do got[#got + 1] = m end
      cursor = "(" .. s
      if #got >= limit or (desc and to ~= "" and not before(to, s)) then stop = true break end
    end
    if stop then break end
  end
end
local older
if dir == "desc" then older = redis.call("ZREVRANGEBYLEX", old, hi, lo, "LIMIT", 0, limit)
else older = redis.call("ZRANGEBYLEX", old, lo, hi, "LIMIT", 0, limit) end
return { got, older }`;

export interface IndexCommands {
  tasklaneIndexCompact(
    top: string,
    old: string,
    base: string,
    from: string,
    max: number,
  ): Promise<[number, number, string]>;
  tasklaneIndexFindBuffer(top: string, old: string, base: string, ...args: string[]): Promise<(Buffer | null)[]>;
  tasklaneIndexRemove(top: string, old: string, base: string, ...args: string[]): Promise<unknown>;
  tasklaneIndexPageBuffer(
    top: string,
    old: string,
    base: string,
    ...args: (string | number | Buffer)[]
  ): Promise<[Buffer[], Buffer[]]>;
}

const SCRIPTS = {
  tasklaneIndexCompact: { keys: 2, lua: COMPACT },
  tasklaneIndexFind: { keys: 2, lua: FIND },
  tasklaneIndexRemove: { keys: 2, lua: REMOVE },
  tasklaneIndexPage: { keys: 2, lua: PAGE },
};

/** The client with the index scripts defined (scripts.ts). */
export function scripted(client: Redis): Redis & IndexCommands {
  return withScripts<IndexCommands>(client, SCRIPTS);
}
