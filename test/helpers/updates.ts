/**
 * Every resources/updated notification a test client received (URI and when, by NOW), with a
 * wait for the next one per URI. The test wires `push` into its client's notification handler,
 * whichever SDK era the client is from.
 */
export function resourceUpdates({
  now = Date.now,
  timeoutMs: defaultTimeoutMs = 2000,
}: {
  now?: () => number;
  timeoutMs?: number;
} = {}) {
  const seen: Array<{ uri: string; at: number }> = [];
  const waiters: Array<{ uri: string; resolve: (at: number) => void }> = [];
  return {
    seen,
    /** Records one notification for URI and wakes whoever waits for that URI. */
    push(uri: string) {
      const at = now();
      seen.push({ uri, at });
      for (const w of waiters.splice(0)) {
        if (w.uri === uri) w.resolve(at);
        else waiters.push(w);
      }
    },
    /** Resolves with the arrival time of the next notification for URI; rejects after TIMEOUTMS. */
    next(uri: string, timeoutMs = defaultTimeoutMs): Promise<number> {
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`no resources/updated for ${uri} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          uri,
          resolve: (at) => {
            clearTimeout(t);
            resolve(at);
          },
        });
      });
    },
    /** How many notifications for URI arrived so far. */
    count: (uri: string) => seen.filter((s) => s.uri === uri).length,
  };
}
