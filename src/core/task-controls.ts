import { InvalidTaskError } from "./errors.js";

/**
 * How long a unique task holds its key, so an enqueue of the same key returns the existing
 * result instead of storing a second: while it waits ("ready"), while it waits or runs
 * ("active", the default), or for a period after its enqueue (`{ periodMs }`).
 */
export type UniqueScope = "ready" | "active" | { periodMs: number };

/**
 * `A`: the task's arguments (after its schema, if it has one), so a key function's parameters are
 * typed from the task's. FromTask: the task's function decides them, never the key function (a key
 * of fewer parameters would otherwise narrow them). TypeScript's own NoInfer would do that too, but
 * a rest parameter of NoInfer<tuple> no longer accepts a function of fewer parameters.
 */
type FromTask<A> = [A][A extends unknown ? 0 : never];

// biome-ignore lint/suspicious/noExplicitAny: the default for an option not tied to one task.
export interface UniqueOptions<A extends unknown[] = any[]> {
  /** The key, from the call's arguments (default: the arguments as JSON). Keys are per task name. */
  key?: (...args: FromTask<A>) => string;
  scope?: UniqueScope;
}

/** `unique: true` is `{ scope: "active" }` with the default key. */
// biome-ignore lint/suspicious/noExplicitAny: idem.
export type UniqueOption<A extends unknown[] = any[]> = boolean | UniqueOptions<A>;

/** At most `limit` tasks with the same key run at once, across every worker (a tenant, an API account). */
// biome-ignore lint/suspicious/noExplicitAny: idem.
export interface ConcurrencyOptions<A extends unknown[] = any[]> {
  key: (...args: FromTask<A>) => string;
  limit: number;
}

/** A unique task's hold, as stored with its result. */
export interface UniqueHold {
  key: string;
  scope: "ready" | "active" | "period";
  /** With scope "period": when the hold ends (epoch ms). */
  until: number | null;
}

const UNIQUE_KEYS = ["key", "scope"];
const CONCURRENCY_KEYS = ["key", "limit"];

/** Throws InvalidTaskError when a unique or concurrency option is malformed. */
export function checkControls(
  label: string,
  unique: UniqueOption | undefined,
  concurrency: ConcurrencyOptions | undefined,
): void {
  const fail = (rule: string): never => {
    throw new InvalidTaskError(`Task "${label}": ${rule}`);
  };
  if (unique !== undefined && typeof unique !== "boolean") {
    if (typeof unique !== "object" || unique === null) fail(`unique must be true or { key?, scope? }`);
    for (const k of Object.keys(unique)) {
      if (!UNIQUE_KEYS.includes(k)) fail(`unique: unknown option "${k}"; known options: ${UNIQUE_KEYS.join(", ")}`);
    }
    if (unique.key !== undefined && typeof unique.key !== "function")
      fail("unique.key must be a function of the arguments");
    const scope = unique.scope;
    const periodOk =
      typeof scope === "object" && scope !== null && Number.isInteger(scope.periodMs) && scope.periodMs > 0;
    if (scope !== undefined && scope !== "ready" && scope !== "active" && !periodOk) {
      fail(`unique.scope must be "ready", "active" or { periodMs: <positive integer> }, got ${JSON.stringify(scope)}`);
    }
  }
  if (concurrency !== undefined) {
    if (typeof concurrency !== "object" || concurrency === null) fail("concurrency must be { key, limit }");
    for (const k of Object.keys(concurrency)) {
      if (!CONCURRENCY_KEYS.includes(k)) {
        fail(`concurrency: unknown option "${k}"; known options: ${CONCURRENCY_KEYS.join(", ")}`);
      }
    }
    if (typeof concurrency.key !== "function") fail("concurrency.key must be a function of the arguments");
    if (!(Number.isInteger(concurrency.limit) && concurrency.limit >= 1)) {
      fail(`concurrency.limit must be an integer ≥ 1, got ${String(concurrency.limit)}`);
    }
  }
}

/** A key a function computed from the arguments, checked: a non-empty string of at most 500 characters. */
function computedKey(label: string, what: string, compute: () => unknown): string {
  let key: unknown;
  try {
    key = compute();
  } catch (error) {
    throw new InvalidTaskError(`Task "${label}": ${what} threw: ${(error as Error)?.message ?? String(error)}`);
  }
  if (typeof key !== "string" || key === "" || key.length > 500) {
    throw new InvalidTaskError(`Task "${label}": ${what} must return a non-empty string (≤ 500 characters)`);
  }
  return key;
}

/** The hold one call of a unique task asks for, or null when the task is not unique. */
export function uniqueHold(
  label: string,
  unique: UniqueOption | undefined,
  args: readonly unknown[],
  now: number,
): UniqueHold | null {
  if (!unique) return null;
  const options: UniqueOptions = unique === true ? {} : unique;
  const key = options.key ? computedKey(label, "unique.key", () => options.key?.(...args)) : JSON.stringify(args);
  const scope = options.scope ?? "active";
  if (typeof scope === "object") return { key, scope: "period", until: now + scope.periodMs };
  return { key, scope, until: null };
}

/** The concurrency key and limit of one call, or null when the task has no per-key limit. */
export function concurrencyOf(
  label: string,
  concurrency: ConcurrencyOptions | undefined,
  args: readonly unknown[],
): { key: string; limit: number } | null {
  if (!concurrency) return null;
  return { key: computedKey(label, "concurrency.key", () => concurrency.key(...args)), limit: concurrency.limit };
}
