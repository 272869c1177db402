import { describe, expect, it } from "vitest";
import { printable, printableLines } from "../../src/ui/text/printable.js";
import { renderTable } from "../../src/ui/text/table.js";

describe("tables", () => {
  it("keep one line per row: control characters in a stored value are shown escaped, colours kept", () => {
    const red = "\u001b[31mFAILED\u001b[0m";
    const table = renderTable(["TASK", "STATUS"], [["new\nline\ttab\u0007", red]]);
    expect(table.split("\n")).toEqual(["TASK                  STATUS", `new\\nline\\ttab\\u0007  ${red}`]);
    expect(printable("plain")).toBe("plain");
  });

  it("escape every sequence in text from the store, a traceback keeping its lines", () => {
    expect(printable("a\u001b[31mb\u009b2J", "escape")).toBe("a\\u001b[31mb\\u009b2J");
    expect(printableLines("Error: \u001b[2J\r\n    at x\tf")).toBe("Error: \\u001b[2J\n    at x\\tf");
  });

  it("align columns in terminal columns: a CJK name takes two a character", () => {
    const table = renderTable(
      ["TASK", "QUEUE"],
      [
        ["日本語タスク", "default"],
        ["ok", "default"],
      ],
    );
    expect(table.split("\n")).toEqual(["TASK          QUEUE", "日本語タスク  default", "ok            default"]);
  });
});
