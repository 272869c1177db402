import { closeSync, openSync, writeSync } from "node:fs";

/** Takes every byte still free on the volume of `path` (appending to it until ENOSPC). */
export function fillUp(path: string): void {
  const fd = openSync(path, "a");
  const block = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
}
