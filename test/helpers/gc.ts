/**
 * Bytes the young-generation GCs promoted to the old generation, summed from a process's
 * `node --trace-gc-nvp` output (one `promoted=N` field per GC line; Node is pinned, so is the format).
 */
export function promotedBytes(output: string): number {
  let total = 0;
  for (const match of output.matchAll(/ gc=s .*? promoted=(\d+)/g)) total += Number(match[1]);
  return total;
}
