// One of the two processes of (c)'s two-process raw bound: forked with the file and the batch
// size, it says "ready" once its connection is open, drains at the parent's "go" (raw.ts,
// rawDrain shared) and sends back how many rows it finished.
import { rawDrain } from "./raw.js";
import { openRaw } from "./setup.js";

const [path, batch] = process.argv.slice(2);
if (!path || !batch || !process.send) throw new Error("usage: fork bench/raw-drain-child.ts PATH BATCH");
const send = process.send.bind(process);
const db = openRaw(path);
process.once("message", () => {
  const { done } = rawDrain(db, Number(batch), true);
  db.close();
  send({ done });
  process.disconnect();
});
send("ready");
