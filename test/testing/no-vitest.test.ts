import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, CHILD_ENV, tempDir, write } from "../helpers/cli.js";

// vitest is an optional peer dependency that only tasklane/testing loads: an app importing
// "tasklane", or anyone running `tasks`, must never need it. A resolve hook in a plain node
// child (the built dist/, as installed) fails any import of vitest and names the importer.
const dist = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href;

describe("vitest stays out of tasklane outside tasklane/testing", () => {
  let temp: ReturnType<typeof tempDir>;
  let register: string;
  beforeAll(() => {
    temp = tempDir();
    const hooks = write(
      temp.dir,
      "hooks.mjs",
      `export async function resolve(specifier, context, next) {
  if (/^vitest(\\/|$)/.test(specifier)) throw new Error("vitest was imported by " + context.parentURL);
  return next(specifier, context);
}
`,
    );
    register = write(
      temp.dir,
      "register.mjs",
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
    );
  });
  afterAll(() => temp.cleanup());

  const node = (args: string[]) =>
    execa("node", ["--import", pathToFileURL(register).href, ...args], {
      reject: false,
      stdin: "ignore",
      cwd: temp.dir,
      env: CHILD_ENV,
    });
  const importing = (url: string) => node(["--input-type=module", "-e", `await import(${JSON.stringify(url)});`]);

  it('import "tasklane" does not load vitest', async () => {
    const run = await importing(dist("index.js"));
    expect(run.exitCode, String(run.stderr)).toBe(0);
  });

  it("tasks --help (every command's module) does not load vitest", async () => {
    const run = await node([BIN, "--help"]);
    expect(run.exitCode, String(run.stderr)).toBe(0);
    expect(String(run.stdout)).toContain("worker");
  });

  it("tasklane/testing does load it (the hook works)", async () => {
    const run = await importing(dist("testing/index.js"));
    expect(run.exitCode).not.toBe(0);
    expect(String(run.stderr)).toMatch(/vitest was imported by file:.*\/dist\/testing\//);
  });
});
