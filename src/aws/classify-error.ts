import { AwsOperationError, BotError, TransientError } from '../domain/errors';

// Error names AWS uses for conditions that go away on their own; the workflow retries them.
const TRANSIENT_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceFailure',
  'ServiceFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'KMSInternalException',
  'DependencyTimeoutException',
  'ConcurrentModification',
  'ConcurrentModificationException',
  'ProvisionedThroughputExceededException',
  'TimeoutError',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The AWS error name of an SDK v3 exception (e.g. NoSuchEntityException), or undefined. */
export const awsErrorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null ? (error as SdkErrorShape).name : undefined;

/** True when AWS said the thing does not exist (IAM NoSuchEntity, KMS NotFound, ...). */
export const isNotFound = (error: unknown): boolean => {
  const name = awsErrorName(error) ?? '';
  return name === 'NoSuchEntityException' || name === 'NoSuchEntity' || name === 'NotFoundException';
};

/** True when AWS said the caller may not do it (IAM AccessDenied, KMS AccessDeniedException). */
export const isAccessDenied = (error: unknown): boolean => {
  const name = awsErrorName(error) ?? '';
  return name === 'AccessDenied' || name === 'AccessDeniedException';
};

/**
 * Turns an SDK error into one of our named errors, so ASL can Retry transient ones and reports can
 * say what AWS refused. `what` names the call, e.g. "attach AWSCodeBuildDeveloperAccess to user alice".
 */
export function classifyAwsError(error: unknown, what: string): BotError {
  if (error instanceof BotError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = shape.name ?? 'UnknownError';
  const status = shape.$metadata?.httpStatusCode ?? 0;
  const awsMessage = (shape.message ?? '').slice(0, 300);
  if (TRANSIENT_NAMES.has(name) || status >= 500 || status === 429) {
    return new TransientError(`AWS was briefly unavailable while trying to ${what} (${name}).`, {
      cause: error,
    });
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || status === 403) {
    return new AwsOperationError(
      `AWS denied the bot permission to ${what} (${name}). Check the bot's IAM role in serverless.yml.`,
      { cause: error, detail: awsMessage },
    );
  }
  return new AwsOperationError(`AWS refused to ${what}: ${name}${awsMessage ? ` (${awsMessage})` : ''}.`, {
    cause: error,
  });
}
