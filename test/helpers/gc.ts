/**
 * Bytes the young-generation GCs promoted to the old generation, summed from a process's
 * `node --trace-gc-nvp` output (one `promoted=N` field per GC line; Node is pinned, so is the format).
 * With `from`, only GCs printed after the first line containing it count: a worker's start-up
 * (module loading, jiti compiling its config) promotes 2–20 MB depending on the machine's load
 * and jiti's cache, which would drown what a drain itself promotes.
 */
export function promotedBytes(output: string, from?: string): number {
  const start = from === undefined ? 0 : output.indexOf(from);
  if (start < 0) throw new Error(`promotedBytes: no line contains ${JSON.stringify(from)}`);
  let total = 0;
  for (const match of output.slice(start).matchAll(/ gc=s .*? promoted=(\d+)/g)) total += Number(match[1]);
  return total;
}
