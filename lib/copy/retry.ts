// Retries for temporary failures (connection resets, timeouts, 429, 5xx), with exponential backoff as
// containers/common pkg/retry: 2^attempt seconds unless a fixed delay is given.
import { setTimeout as sleep } from 'node:timers/promises';

const TEMPORARY_CODES = new Set([
  'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);

export function isTemporaryError(err: unknown): boolean {
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.isTemporary === 'function') return Boolean(e.isTemporary());
    if (typeof e.code === 'string' && TEMPORARY_CODES.has(e.code)) return true;
    const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
    if (status !== undefined) return status === 429 || status === 408 || (status >= 500 && status !== 501);
  }
  return false;
}

export interface RetryOptions {
  retryTimes?: number;
  /** Fixed delay; default exponential 1s, 2s, 4s ... */
  delayMs?: number;
  onRetry?: (attempt: number, max: number, delayMs: number, err: unknown) => void;
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const max = opts.retryTimes ?? 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= max || !isTemporaryError(err)) throw err;
      const delay = opts.delayMs ?? 1000 * 2 ** attempt;
      opts.onRetry?.(attempt + 1, max, delay, err);
      await sleep(delay);
    }
  }
}

/** Run fns with at most `limit` in flight; rejects with the first error after the running ones settle. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: { err: unknown } | undefined;
  async function worker(): Promise<void> {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (err) {
        failed ??= { err };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw failed.err;
  return out;
}

/** A gate letting at most `limit` calls of run() proceed at once, the others in the order they came. */
export function limiter(limit: number): <R>(fn: () => Promise<R>) => Promise<R> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
