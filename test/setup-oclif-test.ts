// Ink's unmount waits on stdout.write('', callback); @oclif/test's write mock drops a callback
// given as the 2nd argument, which hangs runCommand. Move a function 2nd argument to the 3rd.
for (const stream of [process.stdout, process.stderr]) {
  let current = stream.write;
  Object.defineProperty(stream, "write", {
    configurable: true,
    get: () => current,
    set: (next: typeof stream.write) => {
      current = function (this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown) {
        if (typeof encoding === "function") return Reflect.apply(next, this, [chunk, undefined, encoding]);
        return Reflect.apply(next, this, [chunk, encoding, callback]);
      } as typeof stream.write;
    },
  });
}
