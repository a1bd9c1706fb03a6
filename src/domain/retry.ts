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
      if (!(error instanceof TransientError) || attempt >= attempts) throw error;
      // The service's own Retry-After wins over our backoff; past the budget, retrying is pointless.
      const hintMs = error.retryAfterSeconds === undefined ? undefined : error.retryAfterSeconds * 1000;
      if (hintMs !== undefined && hintMs > (options.maxHintMs ?? 1000)) throw error;
      await sleep(Math.max(hintMs ?? 0, Math.random() * base * 2 ** (attempt - 1)));
    }
  }
}
