import { TransientError } from './errors';

export interface RetryOptions {
  attempts?: number;
  /** First delay; each retry doubles it, with full jitter. */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** A Retry-After hint longer than this is not waited for: the error is thrown at once. Default 1 s. */
  maxHintMs?: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long to wait before the next attempt after `error`, or undefined when it must not be retried: not
 * transient, the last attempt, or a Retry-After longer than the budget (retrying is then pointless). The
 * service's own Retry-After wins over our backoff (exponential, full jitter).
 */
function retryDelayMs(
  error: unknown,
  attempt: number,
  attempts: number,
  base: number,
  maxHintMs: number,
): number | undefined {
  if (!(error instanceof TransientError) || attempt >= attempts) return undefined;
  const hintMs = error.retryAfterSeconds === undefined ? undefined : error.retryAfterSeconds * 1000;
  if (hintMs !== undefined && hintMs > maxHintMs) return undefined;
  return Math.max(hintMs ?? 0, Math.random() * base * 2 ** (attempt - 1));
}

/**
 * Retries a call that failed with a TransientError (throttling, 5xx), with exponential backoff and
 * full jitter, or after the Retry-After the service asked for. The one retry layer of the Slack path,
 * which must answer within 3 s (its SDK clients make one attempt: see SLACK_PATH_CLIENT_CONFIG in
 * wiring); workflow tasks rely on the SDK's retries and ASL Retry.
 */
export async function retryTransient<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 3;
  const base = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      const delayMs = retryDelayMs(error, attempt, attempts, base, options.maxHintMs ?? 1000);
      if (delayMs === undefined) throw error;
      await sleep(delayMs);
    }
  }
}
