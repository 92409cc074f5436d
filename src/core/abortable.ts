/**
 * `abortable(p, signal)`: a promise that settles like `p`, or rejects with the signal's
 * reason as soon as it aborts. The work behind `p` is not cancelled (its owner bounds it);
 * only the caller's wait is. The listener is removed once `p` settles, so a long-lived
 * signal shared by many waits does not collect them.
 */
export function abortable<R>(p: Promise<R>, signal: AbortSignal | undefined): Promise<R> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<R>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
