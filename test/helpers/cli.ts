// The CLI helpers ship with the conformance suite (tasklane/testing); tests here use the same ones.
export { BIN, CHILD_ENV, tasks, tempDir, write } from "../../src/testing/cli.js";
