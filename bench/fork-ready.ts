// A bench helper process: forked (the bench's own flags, tsx included, pass on), it says "ready"
// over IPC once set up. raw-two.ts and redis-latency.ts start theirs this way.
import { type ChildProcess, fork } from "node:child_process";

/** Forks bench/`script` with `args` and resolves once it sends "ready"; rejects if it exits first. */
export async function forkReady(
  script: string,
  args: string[],
): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child = fork(new URL(`./${script}`, import.meta.url), args);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (message !== "ready") return;
      child.off("message", onMessage);
      resolve();
    };
    child.on("message", onMessage);
    void exited.then((code) => reject(new Error(`bench/${script} exited (${String(code)}) before it was ready`)));
  });
  return { child, exited };
}
