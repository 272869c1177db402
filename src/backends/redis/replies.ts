/** A pipeline's replies as their values, in order; the first failed command's error is thrown. */
export function replyValues<T>(replies: [Error | null, unknown][] | null): T[] {
  return (replies ?? []).map(([error, value]) => {
    if (error) throw error;
    return value as T;
  });
}
