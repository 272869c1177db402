import type { Redis } from "ioredis";
import type { OwnKeys } from "./own-keys.js";

// BullMQ stores its worker's name in every job the worker ran (the job's `pb` field). A worker id
// ("host-pid-random", up to 64 characters) there would cost its length in every result, so a
// tasklane worker gives BullMQ a short code instead ("~" and a base-36 number, one per worker
// id, kept for good) and readers turn codes back into worker ids. A `pb` that is no code (jobs
// run before codes existed, or by a plain BullMQ worker) is shown as it is.

/** The code of a worker id, assigned on first use (field "" of the codes hash counts them). */
const CODE_OF = `
local code = redis.call("HGET", KEYS[1], ARGV[1])
if code then return code end
local n = redis.call("HINCRBY", KEYS[1], "", 1)
local digits, s = "0123456789abcdefghijklmnopqrstuvwxyz", ""
repeat
  local d = n % 36
  s = string.sub(digits, d + 1, d + 1) .. s
  n = (n - d) / 36
until n == 0
code = "~" .. s
redis.call("HSET", KEYS[1], ARGV[1], code)
redis.call("HSET", KEYS[2], code, ARGV[1])
return code`;

interface CodeCommands {
  tasklaneWorkerCode(codes: string, names: string, workerId: string): Promise<string>;
}

/** The short code BullMQ records for this worker id (one round trip; the same code every time). */
export function workerCode(client: Redis, keys: OwnKeys, workerId: string): Promise<string> {
  const c = client as Redis & Partial<CodeCommands>;
  if (!c.tasklaneWorkerCode) client.defineCommand("tasklaneWorkerCode", { numberOfKeys: 2, lua: CODE_OF });
  return (c as Redis & CodeCommands).tasklaneWorkerCode(keys.workerCodes, keys.workerNames, workerId);
}

const isCode = (name: string) => name.startsWith("~");

/** Worker ids by code, read as needed and kept (a code never changes its worker). */
export class WorkerNames {
  readonly #known = new Map<string, string>();

  /** Reads the worker ids of the codes among `names` not known yet (one round trip, none if all are known). */
  async load(client: Redis, keys: OwnKeys, names: Iterable<string | undefined>): Promise<void> {
    const missing = [...new Set([...names].filter((n): n is string => n !== undefined && isCode(n)))].filter(
      (code) => !this.#known.has(code),
    );
    if (missing.length === 0) return;
    const ids = await client.hmget(keys.workerNames, ...missing);
    missing.forEach((code, i) => {
      const id = ids[i];
      if (id) this.#known.set(code, id);
    });
  }

  /** The worker id of a BullMQ worker name: a known code's id, else the name as it is. */
  name = (name: string): string => this.#known.get(name) ?? name;
}
