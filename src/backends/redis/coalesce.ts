import type { Redis } from "ioredis";

/**
 * The connections whose writes are held until the end of the current turn of the event loop.
 * A WeakSet of the sockets, not of the clients: a reconnect makes a new socket, never corked.
 */
const held = new WeakSet<object>();

/**
 * Holds the connection's writes for the rest of this turn of the event loop, then sends them
 * in one write. ioredis writes each command to its socket at once: a draining worker at
 * concurrency 50 makes one write() per start marker and one per job end (BullMQ's
 * moveToFinished), each ~10–15 µs on a small VM: ~100k syscalls for 50k jobs (strace). Held for
 * a turn, the commands of all the jobs that started or ended in it leave in one writev: ~4k
 * syscalls for the same 50k jobs. Measured on 2 cores, a worker draining 20k no-op jobs: the
 * worker's CPU per job 81–96 → 70–83 µs (system time 13–18 → 1–5 µs), Redis's 67–83 → 61–69
 * µs. Order is kept (one socket), and nothing waits longer than the turn: the socket is
 * released when the event loop reaches its check phase.
 */
export function coalesceTurn(client: Redis): void {
  // No socket yet while a client is still connecting: its commands wait in ioredis's queue.
  const socket: Redis["stream"] | undefined = client.stream;
  if (!socket || held.has(socket)) return;
  held.add(socket);
  socket.cork();
  setImmediate(() => {
    held.delete(socket);
    socket.uncork();
  });
}
