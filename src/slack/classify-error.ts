import { ErrorCode } from '@slack/web-api';
import { BotError, SlackApiError, TransientError } from '../domain/errors';

// Slack answers these with HTTP 200 and ok:false, yet they pass on their own.
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

interface WebApiErrorShape {
  code?: string;
  statusCode?: number;
  headers?: Record<string, string>;
  retryAfter?: number;
  data?: { error?: string };
}

const SLACK_ERROR_CODE = /^[a-z0-9_]{1,60}$/;

/**
 * Turns a @slack/web-api error into one of our named errors, as classifyAwsError does for AWS: rate
 * limits (429, with Retry-After kept as the retry delay hint), 5xx and network failures become
 * TransientError, which ASL retries; anything else is a SlackApiError whose message names only
 * Slack's short error code. `what` names the call, e.g. "post the approval card".
 */
export function classifySlackError(error: unknown, what: string): BotError {
  if (error instanceof BotError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as WebApiErrorShape;
  switch (shape.code) {
    case ErrorCode.RateLimitedError:
      return rateLimited(what, shape.retryAfter, error);
    case ErrorCode.HTTPError:
      return httpError(what, shape, error);
    case ErrorCode.RequestError:
      return new TransientError(`Slack could not be reached while trying to ${what}.`, { cause: error });
    case ErrorCode.PlatformError:
      return platformError(what, shape, error);
    default:
      return new SlackApiError(`Slack refused to ${what}.`, {
        cause: error,
        detail: error instanceof Error ? error.message.slice(0, 300) : String(error).slice(0, 300),
      });
  }
}

/** An HTTP failure: 429 is a rate limit, 5xx transient, anything else a refusal. */
function httpError(what: string, shape: WebApiErrorShape, error: unknown): BotError {
  const status = shape.statusCode ?? 0;
  if (status === 429) return rateLimited(what, retryAfterHeader(shape.headers), error);
  if (status >= 500) {
    return new TransientError(`Slack was briefly unavailable while trying to ${what} (HTTP ${status}).`, {
      cause: error,
    });
  }
  return new SlackApiError(`Slack refused to ${what} (HTTP ${status}).`, { cause: error });
}

/** Slack's `ok: false` answer: its own short code (e.g. channel_not_found) is safe to show; anything else is not quoted. */
function platformError(what: string, shape: WebApiErrorShape, error: unknown): BotError {
  const raw = shape.data?.error ?? '';
  const code = SLACK_ERROR_CODE.test(raw) ? raw : 'unknown_error';
  if (TRANSIENT_PLATFORM_ERRORS.has(code)) {
    return new TransientError(`Slack was briefly unavailable while trying to ${what} (${code}).`, {
      cause: error,
    });
  }
  return new SlackApiError(`Slack refused to ${what}: ${code}.`, { cause: error });
}

function rateLimited(what: string, retryAfter: number | undefined, cause: unknown): TransientError {
  const hint =
    retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
  return new TransientError(
    `Slack rate-limited the bot while trying to ${what}` +
      (hint === undefined ? '.' : `; it asked to wait ${hint} s.`),
    { cause, ...(hint === undefined ? {} : { retryAfterSeconds: hint }) },
  );
}

function retryAfterHeader(headers: Record<string, string> | undefined): number | undefined {
  const value = headers?.['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number.parseInt(value, 10);
  return Number.isNaN(seconds) ? undefined : seconds;
}
