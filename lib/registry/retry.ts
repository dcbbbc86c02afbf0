// Retries with exponential backoff for requests that may succeed the second time: 5xx, 429 (with
// Retry-After), reset or refused connections. Never 4xx other than 408/429: those are answers.
import { isTemporaryNetworkError, RegistryError } from './errors.ts';

export interface RetryOptions {
  /** Retries after the first attempt (podman's --retry, default 3). */
  times?: number;
  /** First delay; doubles each time (podman's --retry-delay, default 1 s). */
  delayMs?: number;
  /** Upper bound for one wait, Retry-After included. */
  maxDelayMs?: number;
  /** Whether err is worth another attempt (default: isRetryable). */
  retryable?: (err: unknown) => boolean;
  /** Called before each wait (for debug output and tests). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY_TIMES = 3;
export const DEFAULT_RETRY_DELAY_MS = 1000;

export function isRetryable(err: unknown): boolean {
  if (err instanceof RegistryError) return err.isTemporary();
  return isTemporaryNetworkError(err);
}

/** The wait before retry number `attempt` (1-based): Retry-After when the registry sent one. */
export function retryDelay(err: unknown, attempt: number, opts: RetryOptions = {}): number {
  const base = opts.delayMs ?? DEFAULT_RETRY_DELAY_MS;
  const max = opts.maxDelayMs ?? 60_000;
  if (err instanceof RegistryError && err.retryAfter !== undefined) return Math.min(max, err.retryAfter * 1000);
  return Math.min(max, base * 2 ** (attempt - 1));
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const times = opts.times ?? DEFAULT_RETRY_TIMES;
  const retryable = opts.retryable ?? isRetryable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= times || !retryable(err)) throw err;
      const delay = retryDelay(err, attempt + 1, opts);
      opts.onRetry?.(err, attempt + 1, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
