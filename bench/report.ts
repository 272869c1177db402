// Turns the measured figures into Markdown: printed by `npm run bench` and written to
// bench/BENCHMARKS.md.
import { fmtPct, fmtTimes } from "./stats.js";

/** A figure, or why there is none. */
export type Value = number | { na: string };

export interface Line {
  label: string;
  tasklane: number;
  raw: Value;
  plainjob: Value;
  format(value: number): string;
  /** "rate": higher is better, tasklane/raw shown as %; "time": lower is better, shown as ×. */
  kind: "rate" | "time";
}

export interface Target {
  text: string;
  pass: boolean;
  /** What was measured against it, e.g. "74%". */
  measured: string;
}

export interface Section {
  title: string;
  /** What was run and what each column means. */
  description: string;
  lines: Line[];
  notes: string[];
  targets: Target[];
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  sqlite: string;
  date: string;
}

const isNum = (v: Value): v is number => typeof v === "number";

function cells(line: Line): string[] {
  const raw = isNum(line.raw) ? line.format(line.raw) : "n/a";
  const pj = isNum(line.plainjob) ? line.format(line.plainjob) : "n/a";
  const vsRaw = isNum(line.raw)
    ? line.kind === "rate"
      ? fmtPct(line.tasklane / line.raw)
      : fmtTimes(line.tasklane / line.raw)
    : "n/a";
  const vsPj = isNum(line.plainjob) ? fmtTimes(line.tasklane / line.plainjob) : "n/a";
  return [line.label, line.format(line.tasklane), raw, vsRaw, pj, vsPj];
}

function section(s: Section): string {
  const out = [`## ${s.title}`, "", s.description, ""];
  out.push("| | tasklane | raw bound | tasklane / raw | plainjob | tasklane / plainjob |");
  out.push("|---|---:|---:|---:|---:|---:|");
  for (const line of s.lines) out.push(`| ${cells(line).join(" | ")} |`);
  // Each n/a reason once, with the rows it applies to.
  const reasons = new Map<string, string[]>();
  const why = (column: string, label: string, value: Value) => {
    if (isNum(value)) return;
    const key = `${column} n/a|${value.na}`;
    reasons.set(key, [...(reasons.get(key) ?? []), label]);
  };
  for (const line of s.lines) {
    why("raw bound", line.label, line.raw);
    why("plainjob", line.label, line.plainjob);
  }
  const notes = [...s.notes];
  for (const [key, labels] of reasons) {
    const [column, reason] = key.split("|");
    notes.push(`${column} (${labels.join("; ")}): ${reason}.`);
  }
  if (notes.length) out.push("", ...notes.map((n) => `- ${n}`));
  if (s.targets.length) out.push("", ...s.targets.map((t) => `- ${targetLine(t)}`));
  return out.join("\n");
}

const targetLine = (t: Target) => `**Target:** ${t.text} — measured ${t.measured}: **${t.pass ? "PASS" : "MISS"}**`;

/** The whole report. */
export function render(machine: Machine, n: number, sections: Section[], summary = ""): string {
  const targets = sections.flatMap((s) =>
    s.targets.map((t) => `- ${s.title.split(" ")[0]} ${t.text}: **${t.pass ? "PASS" : "MISS"}** — ${t.measured}`),
  );
  return [
    "# tasklane benchmarks",
    "",
    `Machine: ${machine.cpu}, ${machine.cores} cores · Node ${machine.node} · SQLite ${machine.sqlite} · ${machine.date}`,
    "",
    `Written by \`npm run bench\` (N = ${n.toLocaleString("en-US")}; \`BENCH_N\` scales it). Every run uses fresh temp files.`,
    "Ratios are tasklane ÷ the other column, both measured in the same run: for rates higher is better",
    "(tasklane / raw as a % of the bound), for latencies lower is better. The raw bound is plain",
    "better-sqlite3 on tasklane's own schema doing the same row work with nothing on top; plainjob",
    "0.0.14 is a peer SQLite queue. The machine is shared, so expect ±10% between runs.",
    "",
    summary,
    "Targets of each section:",
    "",
    ...targets,
    "",
    ...sections.flatMap((s) => [section(s), ""]),
  ].join("\n");
}
