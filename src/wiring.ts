import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { WebClient } from '@slack/web-api';
import type { AwsCredentialIdentity } from '@smithy/types';
import { type AccountClients, StsAccountAccess } from './aws/account-access';
import { CodeBuildGateway } from './aws/codebuild';
import { IamGateway } from './aws/iam';
import { KmsGateway } from './aws/kms';
import { DynamoRequestStore } from './aws/request-store';
import { resolveSecret } from './aws/secrets';
import { DynamoUserIndexStore } from './aws/user-index-store';
import { StepFunctionsWorkflow } from './aws/workflow';
import { accountContext, accountSetup, type Config, ConfigError, loadConfig, requireSecret } from './config';
import { type AccountAccess, type AccountFunction, INDEX_REFRESH_SESSION } from './domain/accounts';
import {
  type IndexedAccount,
  type IndexRefreshDeps,
  UNNAMED_ACCOUNT,
  type UserIndexStore,
} from './domain/iam-user-index';
import {
  type CodeBuildPort,
  type IamPort,
  type KmsPort,
  type RequestStore,
  systemClock,
  type WorkflowPort,
} from './domain/ports';
import type { RemindDeps } from './domain/remind-approvers';
import { createLogger } from './log';
import { slackWording } from './slack/blocks/wording';
import { approverLister, homeTabDeps, homeTabs, slackDirectories } from './slack/home-tabs';
import { SlackWebApi } from './slack/web-api';
import type { TaskDeps } from './workflows/tasks/deps';

/**
 * Live wiring: config -> clients -> ports. Nothing here runs at import; handlers call these once per
 * container (see lazy) so a cold start opens no connection before the first event.
 */

export interface AwsPorts {
  iam: IamPort;
  store: RequestStore;
  codebuild: CodeBuildClient;
  workflow?: WorkflowPort;
  /** KMS for service-role/kms requests; absent, those requests fail with a clear message. */
  kms?: KmsPort;
  /** `verify`'s ListBuilds with the bot's own credentials. */
  codebuildPort?: CodeBuildPort;
  /** The IAM user index (IAM_USER_MAPPING=tag), kept in the requests table. */
  userIndex?: UserIndexStore;
  /** The accounts of ACCOUNTS and how to act in them; absent when config names no hub account. */
  accounts?: AccountAccess;
}

/** The SDK clients behind the ports; local mode passes sandboxed ones. */
export interface AwsClients {
  iam: IAMClient;
  dynamodb: DynamoDBClient;
  codebuild: CodeBuildClient;
  sfn: SFNClient;
  kms?: KMSClient;
  /** STS as the hub function `fn` (member accounts); default: the function's own credentials. */
  sts?: (fn: AccountFunction) => STSClient;
  /** Clients for an account: `credentials` undefined is the hub's own; default: SDK clients with them. */
  accountClients?: (credentials: AwsCredentialIdentity | undefined, region: string) => AccountClients;
}

/** KMS in an account: for the functions whose role allows it, never the slack function's. */
export interface AccountKms {
  client: (config: object) => KMSClient;
  /** `stage` names the opt-in tag value (codebuild-access=<stage>) in the gateway's refusals. */
  port: (client: KMSClient, stage: string) => KmsPort;
}
const accountKms: AccountKms = {
  client: (config) => new KMSClient(config),
  port: (client, stage) => new KmsGateway(client, stage),
};

/** SDK clients in `region`, with the given (assumed) credentials or the default chain. */
const sdkAccountClients =
  (clientConfig: object = {}, kms?: AccountKms) =>
  (credentials: AwsCredentialIdentity | undefined, region: string): AccountClients => {
    const config = { ...clientConfig, region, ...(credentials ? { credentials } : {}) };
    return {
      iam: new IAMClient(config),
      ...(kms ? { kms: kms.client(config) } : {}),
      codebuild: new CodeBuildClient(config),
    };
  };

/**
 * The accounts and the one way to act in them (src/aws/account-access.ts). Building it creates no
 * client: STS and a member's clients are made on the first call that needs them.
 */
export function accountAccess(
  config: Config,
  clients: Pick<AwsClients, 'sts' | 'accountClients'> = {},
  clientConfig: object = {},
  kms?: AccountKms,
): AccountAccess | undefined {
  const setup = accountSetup(config);
  if (setup === undefined) return undefined;
  let sts: STSClient | undefined;
  return new StsAccountAccess({
    ...setup,
    clients: clients.accountClients ?? sdkAccountClients(clientConfig, kms),
    ...(kms ? { kmsPort: (client: KMSClient) => kms.port(client, config.stage) } : {}),
    // In AWS one STS client serves every function: it signs with the function's own role.
    sts:
      clients.sts ??
      (() => {
        sts ??= new STSClient({ ...clientConfig, region: setup.region });
        return sts;
      }),
  });
}

/** SDK clients honour AWS_ENDPOINT_URL(_<SERVICE>) and the default credential chain. */
export const defaultAwsClients = (): AwsClients => ({
  iam: new IAMClient({}),
  dynamodb: new DynamoDBClient({}),
  codebuild: new CodeBuildClient({}),
  sfn: new SFNClient({}),
  kms: new KMSClient({}),
});

/**
 * Ports over the given clients (live by default). Tests and local mode; the Lambdas use narrower wiring
 * (below; the slack function's is in slack-ports-live.ts).
 */
export function liveAwsPorts(config: Config, clients: AwsClients = defaultAwsClients()): AwsPorts {
  return {
    iam: new IamGateway(clients.iam),
    store: new DynamoRequestStore(clients.dynamodb, config.requestsTable),
    userIndex: new DynamoUserIndexStore(clients.dynamodb, config.requestsTable),
    codebuild: clients.codebuild,
    codebuildPort: new CodeBuildGateway(clients.codebuild),
    ...(clients.kms ? { kms: new KmsGateway(clients.kms, config.stage) } : {}),
    ...(config.stateMachineArn
      ? { workflow: new StepFunctionsWorkflow(clients.sfn, config.stateMachineArn) }
      : {}),
    ...withAccounts(accountAccess(config, clients, {}, accountKms)),
  };
}

export const withAccounts = (accounts: AccountAccess | undefined): { accounts?: AccountAccess } =>
  accounts ? { accounts } : {};

/** The longest Slack Retry-After a workflow task waits out itself (its Lambda timeout is 30 s or more). */
export const TASK_RATE_LIMIT_WAIT_SECONDS = 10;

/** Slack Web API client for the workflow tasks (the slack function uses Bolt's own client). */
export function slackWebClient(token: string, slackApiUrl: string | undefined): WebClient {
  return new WebClient(token, {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
  });
}

/**
 * The deps of every workflow task run in this process (local mode, the tests, the benchmark): all ports,
 * from the environment or the ones given. A deployed task Lambda uses taskLambdaDeps instead.
 */
export async function inProcessTaskDeps(
  env: Record<string, string | undefined> = process.env,
  ports?: AwsPorts,
): Promise<TaskDeps> {
  const config = loadConfig(env);
  const token = await resolveSecret(requireSecret(config.botToken, 'SLACK_BOT_TOKEN'), 'SLACK_BOT_TOKEN');
  const aws = ports ?? liveAwsPorts(config);
  return buildTaskDeps(config, token, aws.iam, aws.store, aws.kms, aws.accounts);
}

/** The port factories one task Lambda may use; its role in serverless.yml decides which. */
export interface TaskPorts {
  iam: () => IamPort;
  /** Only the tasks whose role allows KMS (plan, apply, rollback, verify) pass it. */
  kms?: (config: Config) => KmsPort;
  /** The tasks that act in the request's account (plan, apply, rollback, verify) pass liveAccounts. */
  accounts?: (config: Config) => AccountAccess | undefined;
}

/** The accounts and member roles, for the task Lambdas that act in AWS. */
export const liveAccounts = (config: Config): AccountAccess | undefined =>
  accountAccess(config, {}, {}, accountKms);

/**
 * The deps of one task Lambda, with only the clients that task uses. Its handler names the factories,
 * so a task without IAM (report) bundles no IAM client at all: esbuild drops what no entry references.
 */
export async function taskLambdaDeps(
  ports: TaskPorts,
  env: Record<string, string | undefined> = process.env,
): Promise<TaskDeps> {
  const config = loadConfig(env);
  const token = await resolveSecret(requireSecret(config.botToken, 'SLACK_BOT_TOKEN'), 'SLACK_BOT_TOKEN');
  const store = new DynamoRequestStore(new DynamoDBClient({}), config.requestsTable);
  // Only the tasks that act in AWS pass the accounts factory (so the others bundle no STS or IAM client).
  return buildTaskDeps(config, token, ports.iam(), store, ports.kms?.(config), ports.accounts?.(config));
}

/** The scheduled approver reminder's deps: the table (byStatus, approversRemindedAt) and Slack. */
export async function liveReminderDeps(
  env: Record<string, string | undefined> = process.env,
  dynamodb: DynamoDBClient = new DynamoDBClient({}),
): Promise<RemindDeps> {
  const config = loadConfig(env);
  const token = await resolveSecret(requireSecret(config.botToken, 'SLACK_BOT_TOKEN'), 'SLACK_BOT_TOKEN');
  const slack = new SlackWebApi(slackWebClient(token, config.slackApiUrl), {
    maxRateLimitWaitSeconds: TASK_RATE_LIMIT_WAIT_SECONDS,
  });
  const log = createLogger();
  return {
    requests: new DynamoRequestStore(dynamodb, config.requestsTable),
    slack,
    wording: slackWording,
    log,
    clock: systemClock,
    reminderSeconds: config.approverReminderSeconds,
    approverIds: approverLister(config, slack, log),
    accounts: config.accounts,
  };
}

/** What the refresh function needs; `enabled` is false unless IAM_USER_MAPPING=tag. */
export type UserIndexRefreshDeps = IndexRefreshDeps & { enabled: boolean };

/** The clients of the refresh: the hub's IAM and DynamoDB; STS and member clients as accountAccess takes them. */
export type UserIndexRefreshClients = { iam: IAMClient; dynamodb: DynamoDBClient } & Pick<
  AwsClients,
  'sts' | 'accountClients'
>;

/**
 * The scheduled IAM user index refresh: the hub's IAM (ListUsers, ListUserTags) with the function's own
 * credentials, each member's through its refreshUserIndex member role, and the index's keys of the table.
 */
export async function liveUserIndexDeps(
  env: Record<string, string | undefined> = process.env,
  clients: UserIndexRefreshClients = {
    iam: new IAMClient({}),
    dynamodb: new DynamoDBClient({}),
  },
): Promise<UserIndexRefreshDeps> {
  const config = loadConfig(env);
  const hubIam = new IamGateway(clients.iam);
  const access = accountAccess(config, clients);
  const directory = config.accounts;
  const accounts: IndexedAccount[] = [
    { name: directory.hubName, id: config.accountId ?? UNNAMED_ACCOUNT, hub: true },
    ...Object.entries(directory.members).map(([name, id]) => ({ name, id, hub: false })),
  ];
  return {
    enabled: config.iamUserMapping === 'tag',
    accounts,
    iamIn: async (account) => {
      if (account.hub) return hubIam;
      // STS needs a region (Lambda always sets AWS_REGION): without one, each member is reported failed.
      if (!access)
        throw new ConfigError(`AWS_REGION is not set: the bot cannot reach account ${account.name}`);
      return (await access.ports(account, 'refreshUserIndex', INDEX_REFRESH_SESSION)).iam;
    },
    store: new DynamoUserIndexStore(clients.dynamodb, config.requestsTable),
    clock: systemClock,
    log: createLogger(),
  };
}

/** TaskDeps from config and the given ports: what inProcessTaskDeps and taskLambdaDeps share. */
function buildTaskDeps(
  config: Config,
  token: string,
  iam: IamPort,
  store: RequestStore,
  kms?: KmsPort,
  accounts?: AccountAccess,
): TaskDeps {
  const account = accountContext(config);
  // A short Retry-After is waited out in the task (well within its Lambda timeout); a longer one
  // becomes a TransientError that the state's ASL Retry backs off on.
  const slack = new SlackWebApi(slackWebClient(token, config.slackApiUrl), {
    maxRateLimitWaitSeconds: TASK_RATE_LIMIT_WAIT_SECONDS,
  });
  const log = createLogger();
  const approverIds = approverLister(config, slack, log);
  return {
    ...(kms ? { kms } : {}),
    ...(account ? { account } : {}),
    ...withAccounts(accounts),
    iam,
    store,
    slack,
    approverIds,
    ...(store instanceof DynamoRequestStore
      ? {
          homeTabs: homeTabs(
            homeTabDeps(
              config,
              store,
              slack,
              log,
              slackDirectories(config, slack, systemClock, log),
              approverIds,
            ),
          ),
        }
      : {}),
    log,
    clock: systemClock,
    wording: slackWording,
    auditChannelId: config.auditChannelId,
    grantReminderSeconds: config.grantReminderSeconds,
    maxGrantDurationSeconds: config.maxGrantDurationSeconds,
    rules: config.accessRules,
    // The time-bound grants a completed revoke ends early are found through the table's byTarget index.
    ...(store instanceof DynamoRequestStore ? { grants: store } : {}),
  };
}

/** IAM on the SDK, for the tasks whose role allows IAM calls (plan, apply, rollback, verify). */
export const liveIam = (): IamPort => new IamGateway(new IAMClient({}));

/** KMS on the SDK, for the tasks whose role allows KMS calls (plan, apply, rollback, verify). */
export const liveKms = (config: Config): KmsPort => new KmsGateway(new KMSClient({}), config.stage);

/** For the tasks whose role allows no IAM action (askApproval, report): every call is a wiring bug. */
export function noIam(task: string): IamPort {
  const refuse = async (): Promise<never> => {
    throw new ConfigError(`The ${task} task has no IAM access (see its role in serverless.yml)`);
  };
  // Every method refuses, whatever IamPort grows; `then` stays undefined so the port is not a thenable.
  return new Proxy({} as IamPort, { get: (_, key) => (key === 'then' ? undefined : refuse) });
}
