/**
 * The config's own shapes (defineConfig's input, each backend kind's options, limits and
 * schedules), checked by a dozen small rules. zod did this before, but loading it cost ~60 ms
 * of every `tasks` command's start-up (and every app's first import of tasklane) for these few
 * rules; task argument schemas still take any Standard Schema library the app brings.
 *
 * A failure is a ShapeError naming where (`backends.default.queues[0]`) and what was expected.
 */

type Path = readonly (string | number)[];

export class ShapeError extends Error {
  readonly path: Path;

  constructor(path: Path, message: string) {
    super(message);
    this.name = "ShapeError";
    this.path = path;
  }

  /** "backends.default.queues[0]: expected string, received number", under `prefix` if given. */
  describe(prefix = ""): string {
    const path = this.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
    const where = `${prefix}${path}`.replace(/^\./, "");
    return where ? `${where}: ${this.message}` : this.message;
  }
}

export interface Shape<T> {
  /** The value as checked (defaults filled in), or a ShapeError at the first problem. */
  parse(value: unknown, path?: Path): T;
}

function shape<T>(parse: (value: unknown, path: Path) => T): Shape<T> {
  return { parse: (value, path = []) => parse(value, path) };
}

/** zod's word for a value's type, kept so messages read as they did: "received number". */
function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number" && Number.isNaN(value)) return "NaN";
  return typeof value;
}

function expected(what: string, value: unknown, path: Path): never {
  throw new ShapeError(path, `expected ${what}, received ${typeOf(value)}`);
}

/** A string; `nonEmpty` refuses ""; `rule` returns what is wrong with it, or null. */
export function string(options: { nonEmpty?: boolean; rule?: (value: string) => string | null } = {}): Shape<string> {
  return shape((value, path) => {
    if (typeof value !== "string") expected("string", value, path);
    if (options.nonEmpty && value.length === 0) throw new ShapeError(path, "expected a non-empty string");
    const problem = options.rule?.(value);
    if (problem) throw new ShapeError(path, problem);
    return value;
  });
}

/** A safe integer within [min, max] (either bound optional). */
export function integer(options: { min?: number; max?: number } = {}): Shape<number> {
  const { min, max } = options;
  const range =
    min !== undefined && max !== undefined
      ? `an integer from ${min} to ${max}`
      : min === 1
        ? "a positive integer"
        : min !== undefined
          ? `an integer ≥ ${min}`
          : max !== undefined
            ? `an integer ≤ ${max}`
            : "an integer";
  return shape((value, path) => {
    if (typeof value !== "number" || Number.isNaN(value)) expected("number", value, path);
    if (!Number.isSafeInteger(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) {
      throw new ShapeError(path, `expected ${range}, got ${value}`);
    }
    return value;
  });
}

/** One of a few strings. */
export function oneOf<T extends string>(values: readonly T[]): Shape<T> {
  return shape((value, path) => {
    if (!values.includes(value as T)) {
      const got = typeof value === "string" ? JSON.stringify(value) : typeOf(value);
      throw new ShapeError(path, `expected one of ${values.map((v) => JSON.stringify(v)).join(", ")}, got ${got}`);
    }
    return value as T;
  });
}

/** Anything at all (checked later, or not ours to check). */
export function unknown(): Shape<unknown> {
  return shape((value) => value);
}

/** A value `test` accepts; `what` is said otherwise ("a task made with task()"). */
export function custom<T>(test: (value: unknown) => boolean, what: string): Shape<T> {
  return shape((value, path) => {
    if (!test(value)) expected(what, value, path);
    return value as T;
  });
}

/** The first of `shapes` that accepts the value; `what` names them all otherwise. */
export function either<T>(shapes: Shape<T>[], what: string): Shape<T> {
  return shape((value, path) => {
    for (const s of shapes) {
      try {
        return s.parse(value, path);
      } catch (error) {
        if (!(error instanceof ShapeError)) throw error;
      }
    }
    return expected(what, value, path);
  });
}

export function array<T>(item: Shape<T>): Shape<T[]> {
  return shape((value, path) => {
    if (!Array.isArray(value)) expected("array", value, path);
    return value.map((v, i) => item.parse(v, [...path, i]));
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object whose keys are free (non-empty when `nonEmptyKeys`) and whose values are each `item`. */
export function record<T>(item: Shape<T>, options: { nonEmptyKeys?: boolean } = {}): Shape<Record<string, T>> {
  return shape((value, path) => {
    if (!isPlainObject(value)) expected("object", value, path);
    const out: Record<string, T> = {};
    for (const [key, v] of Object.entries(value)) {
      if (options.nonEmptyKeys && key === "") throw new ShapeError(path, 'expected non-empty names, found ""');
      out[key] = item.parse(v, [...path, key]);
    }
    return out;
  });
}

type Parsed<S> = S extends Shape<infer T> ? T : never;
type Fields = Record<string, Shape<unknown>>;
type ObjectOf<F extends Fields> = { [K in keyof F]: Parsed<F[K]> };

/**
 * An object with exactly these keys (an unknown key is an error: most are typos). Keys are
 * checked in the order written, after the unknown ones.
 */
export function object<F extends Fields>(fields: F): Shape<ObjectOf<F>> {
  return shape((value, path) => {
    if (!isPlainObject(value)) expected("object", value, path);
    const unknownKeys = Object.keys(value).filter((key) => !Object.hasOwn(fields, key));
    if (unknownKeys.length > 0) {
      throw new ShapeError(path, `unknown key(s) ${unknownKeys.map((k) => `"${k}"`).join(", ")}`);
    }
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(fields)) {
      // A required key left out fails its own check: "cron: expected string, received undefined".
      const parsed = field.parse(value[key], [...path, key]);
      if (parsed !== undefined) out[key] = parsed;
    }
    return out as ObjectOf<F>;
  });
}

/** May be left out (undefined stays undefined). */
export function optional<T>(inner: Shape<T>): Shape<T | undefined> {
  return shape((value, path) => (value === undefined ? undefined : inner.parse(value, path)));
}

/** Left out means `fallback`, which is then checked like a given value. */
export function withDefault<T>(inner: Shape<T>, fallback: T): Shape<T> {
  return shape((value, path) => inner.parse(value === undefined ? fallback : value, path));
}
