import { TransientError } from './errors';

export interface RetryOptions {
  attempts?: number;
  /** First delay; each retry doubles it, with full jitter. */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retries a call that failed with a TransientError (throttling, 5xx), with exponential backoff and
 * full jitter. For the Slack path, which must answer within 3 s; workflow tasks rely on ASL Retry.
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
      await sleep(Math.random() * base * 2 ** (attempt - 1));
    }
  }
}
