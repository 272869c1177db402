import type { StandardSchemaV1 } from "@standard-schema/spec";
import { InvalidTaskError } from "./errors.js";

/**
 * A task's argument schema: any Standard Schema library (zod, valibot, arktype, …) describing
 * the argument list as a tuple, e.g. `z.tuple([z.string().email(), z.string()])`.
 */
export type ArgsSchema = StandardSchemaV1<readonly unknown[], readonly unknown[]>;

export function isArgsSchema(value: unknown): value is ArgsSchema {
  const standard = (value as { "~standard"?: { validate?: unknown } } | null)?.["~standard"];
  return typeof standard?.validate === "function";
}

/** "args[0].to" for an issue path [0, "to"]. */
export function argsPath(path: StandardSchemaV1.Issue["path"]): string {
  let out = "args";
  for (const segment of path ?? []) {
    const key = typeof segment === "object" && segment !== null ? segment.key : segment;
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** Validates arguments with a schema: the parsed values, or the issues (each with its path). */
export async function validateArgs(
  schema: ArgsSchema,
  args: readonly unknown[],
): Promise<{ value: unknown[] } | { issues: readonly StandardSchemaV1.Issue[] }> {
  const result = await schema["~standard"].validate(args);
  if (result.issues) return { issues: result.issues };
  return { value: [...result.value] };
}

/** The error for arguments a schema refused: the first issue with its path, and how many more. */
function refused(name: string, where: string, issues: readonly StandardSchemaV1.Issue[]): InvalidTaskError {
  const [first] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new InvalidTaskError(`Task "${name}"${where}: ${argsPath(first?.path)}: ${first?.message}${more}`);
}

/**
 * Validates a call's arguments with a schema synchronously (for `task.call()`, which returns the
 * function's value as is): the parsed values. A schema that validates asynchronously cannot be
 * waited for there, and says so.
 */
export function validateArgsNow(name: string, schema: ArgsSchema, args: readonly unknown[]): unknown[] {
  const result = schema["~standard"].validate(args);
  if (result instanceof Promise) {
    throw new InvalidTaskError(
      `Task "${name}": its args schema validates asynchronously, which call() cannot wait for; enqueue it on the immediate backend instead`,
    );
  }
  if (result.issues) throw refused(name, " (call)", result.issues);
  return [...result.value];
}

/**
 * How many arguments a function takes (context excluded): at least `fn.length`; at most the
 * parameters it declares, unless one has a default or is a rest parameter (then any number).
 */
export function arityOf(fn: (...args: never[]) => unknown, takesContext: boolean): { min: number; max: number } {
  const key = takesContext ? withContext : plain;
  let arity = key.get(fn);
  if (!arity) {
    arity = measureArity(fn, takesContext);
    key.set(fn, arity);
  }
  return arity;
}

// Measured once per function: enqueueMany checks every call of a batch.
const plain = new WeakMap<object, { min: number; max: number }>();
const withContext = new WeakMap<object, { min: number; max: number }>();

function measureArity(fn: (...args: never[]) => unknown, takesContext: boolean): { min: number; max: number } {
  const skip = takesContext ? 1 : 0;
  const min = Math.max(0, fn.length - skip);
  const params = declaredParameters(fn);
  if (params === null || params.some((p) => p.startsWith("...") || p.includes("="))) {
    return { min, max: Number.POSITIVE_INFINITY };
  }
  return { min, max: Math.max(min, params.length - skip) };
}

/** The function's top-level parameter texts, or null when its source cannot be read that way. */
function declaredParameters(fn: (...args: never[]) => unknown): string[] | null {
  const source = Function.prototype.toString.call(fn);
  const open = source.indexOf("(");
  // `x => …` (one bare parameter) or `async x => …`.
  const arrow = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrow) return [arrow[1] as string];
  if (open < 0) return null;
  const params: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = open + 1; i < source.length; i++) {
    const c = source[i] as string;
    if (c === "(" || c === "[" || c === "{") depth++;
    if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) {
        if (current.trim()) params.push(current.trim());
        return params;
      }
      depth--;
    }
    if (c === "," && depth === 0) {
      params.push(current.trim());
      current = "";
    } else if (c === '"' || c === "'" || c === "`" || c === "/")
      return null; // a literal default: give up
    else current += c;
  }
  return null;
}

/**
 * Checks one call's arguments before anything is stored: against the task's schema (the parsed
 * values are what gets stored and what the function receives), else their count against the
 * function's parameters. Throws InvalidTaskError naming the task, the call and the problem.
 * A promise only when a schema validates them (a Standard Schema may answer asynchronously).
 */
export function checkArguments(
  task: {
    readonly name: string;
    readonly takesContext: boolean;
    readonly definition: { readonly fn: (...args: never[]) => unknown; readonly argsSchema: ArgsSchema | undefined };
  },
  args: readonly unknown[],
  where: string,
): unknown[] | Promise<unknown[]> {
  const schema = task.definition.argsSchema;
  if (schema) {
    return validateArgs(schema, args).then((checked) => {
      if ("value" in checked) return checked.value;
      throw refused(task.name, where, checked.issues);
    });
  }
  const { min, max } = arityOf(task.definition.fn, task.takesContext);
  if (args.length < min || args.length > max) {
    const wanted = max === min ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    throw new InvalidTaskError(
      `Task "${task.name}"${where}: takes ${wanted} argument${wanted === "1" ? "" : "s"}, got ${args.length}`,
    );
  }
  return [...args];
}
