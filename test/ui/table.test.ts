import { describe, expect, it } from "vitest";
import { printable, renderTable } from "../../src/ui/text/table.js";

describe("tables", () => {
  it("keep one line per row: control characters in a stored value are shown escaped, colours kept", () => {
    const red = "\u001b[31mFAILED\u001b[0m";
    const table = renderTable(["TASK", "STATUS"], [["new\nline\ttab\u0007", red]]);
    expect(table.split("\n")).toEqual(["TASK                  STATUS", `new\\nline\\ttab\\u0007  ${red}`]);
    expect(printable("plain")).toBe("plain");
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
