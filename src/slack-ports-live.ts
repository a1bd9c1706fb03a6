// The slack function's live ports over the AWS SDK. Loaded on the first port call, not with the handler
// (deferredSlackPorts in slack-ports.ts), so this module is the lazy half of the slack bundle.
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CodeBuildGateway } from './aws/codebuild';
import { IamGateway } from './aws/iam';
import { DynamoRequestStore } from './aws/request-store';
import { DynamoUserIndexStore } from './aws/user-index-store';
import { StepFunctionsWorkflow } from './aws/workflow';
import type { Config } from './config';
import type { SlackPorts } from './slack-ports';
import { type AwsClients, accountAccess, withAccounts } from './wiring';

/**
 * The slack function's SDK clients make one attempt per call. That path must answer Slack within 3 s,
 * and the domain already retries it once, with retryTransient (src/domain/retry.ts): three attempts,
 * jittered backoff, and a Retry-After hint longer than its budget ends the retries at once with a
 * TransientError the user can read. With the SDK's default three attempts nested inside, one throttled
 * call became up to nine, with two independent backoffs that could overrun the 3 s. The workflow tasks
 * keep the SDK default: their retries are the SDK's and ASL Retry, and they have no 3 s limit.
 */
export const SLACK_PATH_CLIENT_CONFIG = { maxAttempts: 1 } as const;

/** The slack function's clients: CodeBuild for `verify`'s ListBuilds, no KMS; one attempt each. */
export const slackAwsClients = (): Pick<AwsClients, 'iam' | 'dynamodb' | 'codebuild' | 'sfn'> => ({
  iam: new IAMClient(SLACK_PATH_CLIENT_CONFIG),
  dynamodb: new DynamoDBClient(SLACK_PATH_CLIENT_CONFIG),
  codebuild: new CodeBuildClient(SLACK_PATH_CLIENT_CONFIG),
  sfn: new SFNClient(SLACK_PATH_CLIENT_CONFIG),
});

/**
 * The ports of the slack function: only the clients it uses (CodeBuild for `verify`'s ListBuilds, no KMS).
 * They are built on the first request, not at import, and open no connection until a command or click
 * needs one.
 */
export function liveSlackPorts(
  config: Config,
  clients: Omit<AwsClients, 'kms'> = slackAwsClients(),
): SlackPorts {
  return {
    // A member account's clients make one attempt each, as the hub's do (the 3 s budget); no KMS there.
    ...withAccounts(accountAccess(config, clients, SLACK_PATH_CLIENT_CONFIG)),
    iam: new IamGateway(clients.iam),
    userIndex: new DynamoUserIndexStore(clients.dynamodb, config.requestsTable),
    codebuildPort: new CodeBuildGateway(clients.codebuild),
    store: new DynamoRequestStore(clients.dynamodb, config.requestsTable),
    ...(config.stateMachineArn
      ? { workflow: new StepFunctionsWorkflow(clients.sfn, config.stateMachineArn) }
      : {}),
  };
}
