import type { Redis } from "ioredis";
import type { OwnKeys } from "./own-keys.js";
import { withScripts } from "./scripts.js";

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

/**
 * Stores a worker's code again after Redis lost the codes hashes (ARGV: worker id, its code): the
 * count is raised to the code's number so that no later worker is given it, and the code → id
 * entry is written unless another worker took the code meanwhile (1 kept, 0 taken).
 */
const KEEP_CODE = `
local n = tonumber(string.sub(ARGV[2], 2), 36)
if n and n > tonumber(redis.call("HGET", KEYS[1], "") or "0") then redis.call("HSET", KEYS[1], "", n) end
local owner = redis.call("HGET", KEYS[2], ARGV[2])
if owner and owner ~= ARGV[1] then return 0 end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
redis.call("HSET", KEYS[2], ARGV[2], ARGV[1])
return 1`;

interface CodeCommands {
  tasklaneWorkerCode(codes: string, names: string, workerId: string): Promise<string>;
  tasklaneKeepWorkerCode(codes: string, names: string, workerId: string, code: string): Promise<number>;
}

const SCRIPTS = {
  tasklaneWorkerCode: { keys: 2, lua: CODE_OF },
  tasklaneKeepWorkerCode: { keys: 2, lua: KEEP_CODE },
};

function scripted(client: Redis): Redis & CodeCommands {
  return withScripts<CodeCommands>(client, SCRIPTS);
}

/** The short code BullMQ records for this worker id (one round trip; the same code every time). */
export function workerCode(client: Redis, keys: OwnKeys, workerId: string): Promise<string> {
  return scripted(client).tasklaneWorkerCode(keys.workerCodes, keys.workerNames, workerId);
}

/** Stores a running worker's code again after Redis lost its data (see KEEP_CODE); false when another worker holds it. */
export async function keepWorkerCode(client: Redis, keys: OwnKeys, workerId: string, code: string): Promise<boolean> {
  return (await scripted(client).tasklaneKeepWorkerCode(keys.workerCodes, keys.workerNames, workerId, code)) === 1;
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
