import { UsageError } from "../core/errors.js";

/** A failure group's id: its class and frame, in a form a command line can carry. */
export function failureGroupId(exceptionClass: string, frame: string | null): string {
  return Buffer.from(JSON.stringify([exceptionClass, frame])).toString("base64url");
}

export function parseFailureGroupId(id: string): { exceptionClass: string; frame: string | null } {
  try {
    const [exceptionClass, frame] = JSON.parse(Buffer.from(id, "base64url").toString()) as [unknown, unknown];
    if (typeof exceptionClass === "string" && (frame === null || typeof frame === "string")) {
      return { exceptionClass, frame };
    }
  } catch {
    // falls through to the error below
  }
  throw new UsageError(`invalid failure group id "${id}"`);
}
