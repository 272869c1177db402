import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { coalesceTurn } from "../../../src/backends/redis/coalesce.js";
import { mustRunRedis, provideRedis, redisAvailable, redisUrl, uniquePrefix } from "../../conformance/redis-server.js";

// A worker's start markers and job ends of one turn of the event loop leave in one write: the
// socket is held (corked) for the rest of the turn. Commands still run in order, and every one
// is answered once the turn ends.

if (redisAvailable || mustRunRedis) {
  provideRedis();

  describe("redis: one write per turn", () => {
    it("holds the socket for the rest of the turn only, keeps the order, answers every command", async () => {
      const client = new Redis(redisUrl());
      const key = `${uniquePrefix("coalesce")}:n`;
      try {
        await client.ping();
        const socket = client.stream;
        coalesceTurn(client);
        coalesceTurn(client); // a second call in the same turn holds nothing more
        expect(socket.writableCorked).toBe(1);
        const replies = [client.set(key, "1"), client.incr(key), client.get(key)];
        expect(socket.writableLength).toBeGreaterThan(0); // held, not written yet
        expect(await Promise.all(replies)).toEqual(["OK", 2, "2"]);
        expect(socket.writableCorked).toBe(0);
        // The next turn writes at once again.
        expect(await client.incr(key)).toBe(3);
      } finally {
        await client.del(key);
        client.disconnect();
      }
    });

    it("a client without a socket yet (still connecting) is left alone", async () => {
      const client = new Redis(redisUrl(), { lazyConnect: true });
      try {
        coalesceTurn(client);
        await client.connect();
        expect(client.stream.writableCorked).toBe(0);
        expect(await client.ping()).toBe("PONG");
      } finally {
        client.disconnect();
      }
    });
  });
} else {
  describe.skip("redis: one write per turn (no TASKLANE_REDIS_URL and no redis-server here)", () => {
    it("needs Redis", () => {});
  });
}
