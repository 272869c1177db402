import type { TaskResult } from "../result.js";
import { bold, colourStatus, dim, red } from "./style.js";

/** Pretty JSON for return values and arguments. */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "null";
}

/** A few lines describing a result: status line, then its return value or its last error. */
export function resultSummary(result: TaskResult): string {
  const lines = [`${bold(result.taskName)} ${dim(result.id)} ${colourStatus(result.status)}`];
  if (result.status === "SUCCEEDED") lines.push(prettyJson(result.returnValue));
  const error = result.errors.at(-1);
  if (result.status === "FAILED" && error) {
    lines.push(red(`${error.exceptionClass}: ${error.message}`));
    lines.push(dim(error.traceback));
  }
  return lines.join("\n");
}
