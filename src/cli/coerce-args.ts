import type { StandardSchemaV1 } from "@standard-schema/spec";
import { validateArgs } from "../core/arguments.js";
import type { JsonValue } from "../core/json.js";
import type { AnyTask } from "../core/task.js";

/**
 * `tasks enqueue` reads each positional argument as JSON when it parses (`2` → 2, `true`,
 * `'{"a":1}'`), else as a string. With an argument schema the schema decides: an argument the
 * schema rejects in its JSON reading is tried as the text typed (`enqueue greet 123` gives the
 * string "123" when the schema wants a string). Enqueue then validates the result as usual.
 */
export async function coerceCliArgs(task: AnyTask, typed: string[], parsed: JsonValue[]): Promise<JsonValue[]> {
  const schema = task.definition.argsSchema;
  if (!schema) return parsed;
  const first = await validateArgs(schema, parsed);
  if ("value" in first) return parsed;
  const candidate = [...parsed];
  for (const index of indexesOf(first.issues)) {
    const text = typed[index];
    if (typeof text !== "string" || candidate[index] === text) continue;
    const tried = [...candidate];
    tried[index] = text;
    const again = await validateArgs(schema, tried);
    // The typed text is kept only where it satisfies the schema better than its JSON reading.
    if ("value" in again || !indexesOf(again.issues).has(index)) candidate[index] = text;
  }
  return candidate;
}

/** The argument positions the issues point at. */
function indexesOf(issues: readonly StandardSchemaV1.Issue[]): Set<number> {
  const out = new Set<number>();
  for (const issue of issues) {
    const head = issue.path?.[0];
    const index = typeof head === "object" && head !== null ? head.key : head;
    if (typeof index === "number") out.add(index);
  }
  return out;
}
