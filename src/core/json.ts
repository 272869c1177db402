/**
 * The JSON-only rule for task arguments and return values: a value must survive
 * JSON.stringify/JSON.parse unchanged in meaning, so a worker in another process sees
 * exactly what the caller passed.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * An argument of type T as enqueue accepts it: T itself where JSON carries it unchanged, and in
 * place of a part it would not carry (a Date, Map, Set, bigint, a function, a symbol) a message
 * that no value matches. So TypeScript flags `enqueue(new Date())` where it is written, the
 * message saying what to pass, instead of the call failing when it runs. Left to the run-time
 * rule: `any` and `unknown`; `undefined`, which every optional parameter and property admits
 * (flagging it would flag them all); NaN; class instances without methods; anything nested
 * deeper than MAX_DEPTH objects. A type JsonValue holds is taken as it is, unmapped: recursive
 * ones (JsonValue itself) would otherwise be mapped without end (TS2589, "excessively deep").
 */
export type JsonArg<T, Depth extends unknown[] = []> = unknown extends T
  ? T
  : T extends JsonValue
    ? T
    : Depth["length"] extends MAX_DEPTH
      ? T
      : T extends Date
        ? "a Date is not JSON: pass date.toISOString() or date.getTime()"
        : T extends ReadonlyMap<unknown, unknown>
          ? "a Map is not JSON: pass Object.fromEntries(map)"
          : T extends ReadonlySet<unknown>
            ? "a Set is not JSON: pass [...set]"
            : T extends bigint
              ? "a bigint is not JSON: pass it as a string"
              : T extends undefined
                ? T
                : T extends (...args: never[]) => unknown
                  ? "a function is not JSON"
                  : T extends symbol
                    ? "a symbol is not JSON"
                    : { [K in keyof T]: JsonArg<T[K], [...Depth, unknown]> };

/** How deep JsonArg looks into objects and arrays: past it, a part is left to the run-time rule. */
type MAX_DEPTH = 8;

/** A task's parameter list as enqueue accepts it (JsonArg for each argument). */
export type JsonArgs<A extends unknown[]> = { [K in keyof A]: JsonArg<A[K]> };

/**
 * Accepts a task function whose (awaited) return value JSON carries. For one it does not (a Date,
 * a Map…), a type no function matches, whose one key says what was returned: `task(() => new
 * Date())`, which would end FAILED (InvalidReturnValue) on every run, is flagged where it is
 * written. The same gaps as JsonArg: `undefined` (returning nothing stores null), `unknown`, NaN.
 */
export type JsonReturn<R> = [Awaited<R>] extends [JsonArg<Awaited<R>>]
  ? unknown
  : { "the task's return value is not JSON": JsonArg<Awaited<R>> };

/** Returns null when `value` is JSON-safe, else a message naming the path of the first offender. */
export function jsonViolation(value: unknown, path: string): string | null {
  return check(value, path, new Set());
}

/**
 * A JSON-safe value as JSON text, or why it cannot be written: text longer than the longest
 * string V8 holds (~512 MiB) cannot be stored anywhere, and a store asked to write it would fail
 * the same way on every try. The text is handed on to the store, which then writes it as is
 * rather than stringifying the value a second time.
 */
export function jsonText(value: unknown, path: string): { text: string } | { violation: string } {
  try {
    return { text: JSON.stringify(value) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { violation: `${path} is too large to store as JSON text (${reason})` };
  }
}

function describe(value: unknown): string | null {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    case "bigint":
      return "a bigint";
    case "number":
      return Number.isFinite(value) ? null : String(value);
    default:
      return null;
  }
}

function check(value: unknown, path: string, seen: Set<object>): string | null {
  if (value === null || typeof value === "string" || typeof value === "boolean") return null;
  const bad = describe(value);
  if (bad) return `${path} is ${bad}`;
  if (typeof value === "number") return null;
  const obj = value as object;
  if (seen.has(obj)) return `${path} is a cyclic reference`;
  if (Array.isArray(obj)) {
    seen.add(obj);
    for (let i = 0; i < obj.length; i++) {
      const problem = check(obj[i], `${path}[${i}]`, seen);
      if (problem) return problem;
    }
    seen.delete(obj);
    return null;
  }
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    const ctor = (obj as { constructor?: { name?: string } }).constructor?.name;
    const article = ctor && /^[AEIOU]/.test(ctor) ? "an" : "a";
    return `${path} is ${ctor ? `${article} ${ctor}` : "an object with a custom prototype"}`;
  }
  seen.add(obj);
  for (const [key, item] of Object.entries(obj)) {
    const problem = check(
      item,
      /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
      seen,
    );
    if (problem) return problem;
  }
  seen.delete(obj);
  return null;
}
