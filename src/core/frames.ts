import { sep } from "node:path";
import { OWN_CODE } from "./own-files.js";

/** `at fn (file:line:col)` or `at file:line:col`, as V8 prints stack frames. */
const FRAME = /^\s*at (?:(?:async )?(.*?) \()?(?:file:\/\/)?(.+?):(\d+):\d+\)?\s*$/;

/**
 * The first frame of a stack that is the user's own code: not tasklane, not node's internals,
 * not a dependency in node_modules (tasklane's own code: OWN_CODE, its src/ or dist/).
 * "/app/src/jobs.ts:12 sendEmail" — what error groups key on, so one bug hit by several tasks
 * is one group, and two bugs in one task are two. The path is absolute, so workers started
 * from different folders agree on it.
 */
export function firstUserFrame(stack: string | undefined): string | undefined {
  for (const line of (stack ?? "").split("\n")) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const [, fn, file = "", lineNo] = match;
    if (file.startsWith("node:") || file.includes(`${sep}node_modules${sep}`) || file.startsWith(OWN_CODE + sep))
      continue;
    return `${file}:${lineNo}${fn && fn !== "<anonymous>" ? ` ${fn.replace(/^Object\./, "")}` : ""}`;
  }
  return undefined;
}
