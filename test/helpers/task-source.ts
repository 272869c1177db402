// The shared test tasks ship with the conformance suite (tasklane/testing); tests here use the same ones.
export { SHARED_TASK_NAMES, SHARED_TASKS } from "../../src/testing/task-source.js";
