import { randomFillSync } from "node:crypto";

/**
 * Result ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so they
 * index well (each new id lands at the right edge of the id index) and sort by creation.
 *
 * Randomness comes from a pooled buffer refilled 4 kB at a time: one getrandom call per 400
 * ids instead of one per id (drawing per id was ~15% of a bulk enqueue). Within one
 * millisecond the 12-bit rand_a field counts up from a random start (RFC 9562 §6.2, method 1),
 * so ids made by one process are strictly increasing; if it overflows, the timestamp field
 * moves one millisecond ahead rather than breaking the order.
 */
/** Per id: 2 bytes to seed the counter, 8 for rand_b (less its 2 variant bits). */
const ID_BYTES = 10;
const POOL_BYTES = ID_BYTES * 400;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

let lastMs = -1;
let counter = 0;

/** Where the next ID_BYTES random bytes start in the pool. */
function take(): number {
  if (offset + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += ID_BYTES;
  return at;
}

export function newResultId(now: number = Date.now()): string {
  const at = take();
  if (now > lastMs) {
    lastMs = now;
    // A random start in the lower half leaves room to count up within the millisecond.
    counter = ((pool[at] as number) << 3) | ((pool[at + 1] as number) & 0x07);
  } else if (++counter > 0xfff) {
    lastMs++;
    counter = 0;
  }
  const ms = lastMs;
  const hi = Math.floor(ms / 0x1000000); // top 24 bits of the 48-bit timestamp
  const lo = ms % 0x1000000; // bottom 24 bits
  const b = pool;
  return (
    HEX[(hi >>> 16) & 0xff]! +
    HEX[(hi >>> 8) & 0xff]! +
    HEX[hi & 0xff]! +
    HEX[(lo >>> 16) & 0xff]! +
    "-" +
    HEX[(lo >>> 8) & 0xff]! +
    HEX[lo & 0xff]! +
    "-" +
    HEX[0x70 | (counter >>> 8)]! +
    HEX[counter & 0xff]! +
    "-" +
    HEX[0x80 | ((b[at + 2] as number) & 0x3f)]! +
    HEX[b[at + 3] as number]! +
    "-" +
    HEX[b[at + 4] as number]! +
    HEX[b[at + 5] as number]! +
    HEX[b[at + 6] as number]! +
    HEX[b[at + 7] as number]! +
    HEX[b[at + 8] as number]! +
    HEX[b[at + 9] as number]!
  );
}

const UUID_V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The Unix milliseconds a UUIDv7 result id was made at (its first 48 bits); null for another id. */
export function idTime(id: string): number | null {
  const match = UUID_V7.exec(id);
  return match ? Number.parseInt(`${match[1]}${match[2]}`, 16) : null;
}
