/**
 * Named errors. Each has a literal `name` (minifiers mangle class names, and ASL Retry/Catch match on
 * the name Lambda reports) and a `userMessage` that is safe to show in Slack.
 */

export abstract class BotError extends Error {
  abstract override readonly name: string;
  /** Safe for Slack: no ARNs of other accounts, no secrets, no stack traces. */
  readonly userMessage: string;
  /** Extra detail for logs only (e.g. the raw AWS message). */
  readonly detail?: string;

  constructor(userMessage: string, options?: { cause?: unknown; detail?: string }) {
    // message == userMessage: Step Functions shows it as the Cause, and reports quote it.
    super(userMessage, options?.cause === undefined ? undefined : { cause: options.cause });
    this.userMessage = userMessage;
    if (options?.detail !== undefined) this.detail = options.detail;
  }
}

/** The command text could not be understood; the message says what to type instead. */
export class UsageError extends BotError {
  override readonly name = 'UsageError';
}

/** The named IAM user, group, role or KMS key does not exist, or a Slack user has no IAM user. */
export class TargetNotFoundError extends BotError {
  override readonly name = 'TargetNotFound';
}

/** An AWS quota (managed policies per principal, inline size, key policy size) would be exceeded. */
export class QuotaExceededError extends BotError {
  override readonly name = 'QuotaExceeded';
}

/** What exists in AWS differs from what the request expects (role conflict, key policy drift). */
export class ConflictError extends BotError {
  override readonly name = 'Conflict';
}

/** The clicker may not decide this request. */
export class NotAuthorizedError extends BotError {
  override readonly name = 'NotAuthorized';
}

/** A request id that no record matches (tampered or stale button). */
export class UnknownRequestError extends BotError {
  override readonly name = 'UnknownRequest';
}

/**
 * An AWS or Slack error that is worth retrying (throttling, 5xx, eventual consistency).
 * ASL retries this name with backoff and jitter.
 */
export class TransientError extends BotError {
  override readonly name = 'TransientError';
  /** How long the service asked us to wait before trying again (Slack's Retry-After), if it said. */
  readonly retryAfterSeconds?: number;

  constructor(
    userMessage: string,
    options?: { cause?: unknown; detail?: string; retryAfterSeconds?: number },
  ) {
    super(userMessage, options);
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** IAM changes are not yet visible (eventual consistency); ASL retries this for a few minutes. */
export class NotYetConsistentError extends BotError {
  override readonly name = 'NotYetConsistent';
}

/** A permanent AWS failure (access denied, malformed document, ...). */
export class AwsOperationError extends BotError {
  override readonly name = 'AwsOperationFailed';
}

/** A permanent Slack Web API error (channel_not_found, not_in_channel, invalid_auth, ...). */
export class SlackApiError extends BotError {
  override readonly name = 'SlackApiFailed';
}

/** Verification found actions that should be allowed but are not. */
export class VerificationFailedError extends BotError {
  override readonly name = 'VerificationFailed';
}

/** The bot lacks a setting an operation needs (AWS_ACCOUNT_ID, a KMS client, ...). */
export class ConfigMissingError extends BotError {
  override readonly name = 'ConfigMissing';
}

/**
 * The apply or rollback step was handed something the code would not build for the request's command, or
 * approvals that do not match the plan the card showed. Nothing was changed by it.
 */
export class PlanRefusedError extends BotError {
  override readonly name = 'PlanRefused';
}

/**
 * The final outcome of a request could not be posted to Slack for good. The record has it; the run
 * then ends visibly (the failed-executions alarm and the operators' notifications).
 */
export class OutcomeNotDeliveredError extends BotError {
  override readonly name = 'OutcomeNotDelivered';
}

/** The Step Functions run of a request could not be started; nothing was changed. */
export class WorkflowStartError extends BotError {
  override readonly name = 'WorkflowStartError';
}

/**
 * A version-checked update of a request record lost to other writers on every attempt
 * (updateRequest); nothing of this update was written.
 */
export class RequestConflictError extends BotError {
  override readonly name = 'RequestConflict';
}

/**
 * The code reached a state its own checks rule out (a task handed a request of the wrong kind). A bug,
 * not bad input: the user sees the generic "Something went wrong (ref …)".
 */
export class InternalInvariantError extends BotError {
  override readonly name = 'InternalInvariant';
}

/**
 * The names of our errors whose message is written for the requester and safe to show in Slack (no
 * secrets, no other accounts' ARNs). A report quotes such an error's message; any other gets a generic
 * line with the request id. ASL Retry/Catch also match on these names.
 */
export const USER_SAFE_ERROR_NAMES = [
  'UsageError',
  'TargetNotFound',
  'QuotaExceeded',
  'Conflict',
  'TransientError',
  'NotYetConsistent',
  'AwsOperationFailed',
  'VerificationFailed',
  'ConfigMissing',
  'UnknownRequest',
  'PlanRefused',
  'SlackApiFailed',
  'RequestConflict',
  'AccountAccessDenied',
] as const;
