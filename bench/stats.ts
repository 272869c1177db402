// Small numeric and formatting helpers shared by the bench modules.

/** The p-th percentile (0..100) of `values`, nearest-rank on a sorted copy. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Times `fn` `runs` times (after 3 warm-ups): median, p95, max in ms. */
export async function time(
  runs: number,
  fn: () => Promise<unknown>,
): Promise<{ p50: number; p95: number; max: number }> {
  for (let i = 0; i < 3; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    ms.push(performance.now() - start);
  }
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), max: Math.max(...ms) };
}

/** Operations per second. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.NaN;
}

/** 12345.6 → "12,346" */
export function fmtInt(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a";
}

/** Milliseconds with a precision that suits the size: "0.42 ms", "12.3 ms", "1,234 ms"; integers (1 ms clocks) as "3 ms". */
export function fmtMs(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (Number.isInteger(value)) return `${fmtInt(value)} ms`;
  if (value < 1) return `${value.toFixed(2)} ms`;
  if (value < 100) return `${value.toFixed(1)} ms`;
  return `${fmtInt(value)} ms`;
}

/** 0.834 → "83%" */
export function fmtPct(ratio: number): string {
  return Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : "n/a";
}

/** 1.234 → "1.23×" */
export function fmtTimes(ratio: number): string {
  if (!Number.isFinite(ratio)) return "n/a";
  return ratio < 0.01 ? "<0.01×" : `${ratio.toFixed(2)}×`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
