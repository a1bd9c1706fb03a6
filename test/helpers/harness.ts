import type { KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { WebClient } from '@slack/web-api';
import type { AwsCredentialIdentity, MetadataBearer } from '@smithy/types';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { DynamoRequestStore } from '../../src/aws/request-store';
import { accountContext, loadConfig } from '../../src/config';
import { type AccountFunction, hubRoleArn } from '../../src/domain/accounts';
import { type AccountContext, accountContextFor } from '../../src/domain/plans';
import { systemClock } from '../../src/domain/ports';
import type { AccessRequest } from '../../src/domain/request';
import { liveSlackRuntime, makeSlackHandler } from '../../src/handlers/slack';
import { lazy } from '../../src/lazy';
import { LocalWorkflow } from '../../src/local/local-workflow';
import type { SandboxAccount } from '../../src/local/sandbox/account';
import { deployMemberStack } from '../../src/local/sandbox/bot-stack';
import { SandboxOrganization } from '../../src/local/sandbox/organization';
import { createLogger } from '../../src/log';
import { slackAppDeps } from '../../src/slack/app-deps';
import { ACTION_IDS } from '../../src/slack/ids';
import type { ListenerDeps } from '../../src/slack/listeners';
import { deferredSlackPorts, type SlackPorts } from '../../src/slack-ports';
import { liveSlackPorts } from '../../src/slack-ports-live';
import {
  type AwsClients,
  type AwsPorts,
  defaultAwsClients,
  inProcessTaskDeps,
  liveAwsPorts,
} from '../../src/wiring';
import { createRequestsTable, startDynalite, testDynamoClient } from './dynalite';
import { LocalSlack, TEST_BOT_TOKEN } from './local-slack';
import { SandboxIam } from './sandbox-iam';
import {
  blockActionEvent,
  rawSignedEvent,
  type SlashCommandEventOptions,
  slashCommandEvent,
  TEST_SIGNING_SECRET,
} from './signed-event';

/** The account context the harness's default environment gives (account 111122223333, us-east-1, stage dev). */
export const testAccountContext = (): AccountContext =>
  accountContextFor({ accountId: '111122223333', region: 'us-east-1', partition: 'aws', stage: 'dev' });

/** The text of an ephemeral slash-command ack. */
export const ackText = (response: { body: string }): string =>
  (JSON.parse(response.body) as { text: string }).text;

export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:access-request';
export const AUDIT_CHANNEL = 'C0AUDIT';
export const REQUESTER = 'U0REQUESTER';
export const APPROVER_1 = 'U0APPROVER1';
export const APPROVER_2 = 'U0APPROVER2';
export const OUTSIDER = 'U0OUTSIDER';
export const ALICE = 'U0ALICE';

export interface Harness {
  handler: ReturnType<typeof makeSlackHandler>;
  /** The local workspace's Slack Web API on loopback (read what the bot posted, inject faults). */
  slack: LocalSlack;
  /** The sandbox account answering IAM (seed it, read it, inject faults). */
  iam: SandboxIam;
  /** With `members`: the organization (its STS sessions) and each member account by name. */
  org?: SandboxOrganization;
  members: Record<string, SandboxIam>;
  workflow: LocalWorkflow;
  store: DynamoRequestStore;
  sfn: AwsStub<object, MetadataBearer, unknown>;
  env: Record<string, string>;
  /** A signed slash command from `userId` (default the requester) into the handler. */
  slash(text: string, options?: Partial<SlashCommandEventOptions>): ReturnType<Harness['handler']>;
  /** A signed button click (Approve by default) on a request's card. */
  click(
    requestId: string,
    userId: string,
    options?: { actionId?: string; teamId?: string; apiAppId?: string },
  ): ReturnType<Harness['handler']>;
  /** A signed `app_home_opened` event from `userId` (the bot publishes their Home tab). */
  homeOpened(userId: string): ReturnType<Harness['handler']>;
  /** Makes the next calls of a Step Functions command fail with these errors, in order. */
  failSfn(command: 'StartExecution' | 'SendTaskSuccess', ...errors: Error[]): void;
  /** The only request recorded so far (most tests make one). */
  onlyRequest(): Promise<AccessRequest>;
  /** Resolves once the request's workflow waits for a click (polls the local run, bounded). */
  awaitApprovalWait(requestId: string): Promise<void>;
  /** Resolves with the run's end state. */
  finished(requestId: string): Promise<{ status: string; error?: string }>;
  /**
   * The deps the Bolt listeners get in the handler (slackAppDeps from the same env and ports, Slack on
   * the loopback server), for calling a listener directly.
   */
  listenerDeps(): ListenerDeps;
  stop(): Promise<void>;
}

/**
 * Everything real except AWS and Slack: the exported slack handler with live wiring, the real ASL on
 * aws-local-stepfunctions with the real task code, DynamoDB on dynalite, IAM/KMS/CodeBuild on the
 * sandbox account (h.iam; aws-sdk-client-mock on top only for faults), Slack on a loopback server.
 * StartExecution and SendTaskSuccess are bridged from the SFN client to the local run.
 */
export interface HarnessOptions {
  /** Passed to LocalWorkflow: hold a run before a Task state. */
  beforeTask?: (stateName: string, requestId: string) => Promise<void>;
  /**
   * A sandbox account of the test's own (e.g. a store seeded from the fixture) and its SDK clients
   * (createSandboxClients), with aws-sdk-client-mock layered on an instance for faults. Without it the
   * harness starts an empty in-memory sandbox account with the bot's stack deployed.
   */
  aws?: Pick<AwsClients, 'iam' | 'codebuild'> & { kms: KMSClient };
  /** The account behind `aws` (required with it, so `h.iam` reads the same account). */
  account?: SandboxAccount;
  /** Variables the workflow's functions see differently from the slack function (e.g. ACCESS_RULES). */
  workflowEnv?: Record<string, string>;
  /** Milliseconds per Wait or hold state, over INSTANT_WAITS (e.g. a hold that lasts, to relinquish it). */
  waits?: Record<string, number>;
  /**
   * A sandbox organization: member accounts by name -> id (ACCOUNTS), each an in-memory sandbox account
   * with the member stack deployed unless listed in `withoutMemberStack`. STS is the organization's.
   */
  members?: Record<string, string>;
  withoutMemberStack?: string[];
}

/** Wait states and the grant's holds (which time out at once) take no real time in tests. */
export const INSTANT_WAITS: Record<string, number> = {
  'Wait until the reminder': 0,
  'Wait until expiry': 0,
  'Hold until the reminder': 0,
  'Hold until expiry': 0,
};

async function sandboxFor(env: Record<string, string>, options: HarnessOptions): Promise<SandboxIam> {
  if (!options.aws) {
    const context = accountContext(loadConfig(env));
    if (!context) throw new Error('startHarness: AWS_ACCOUNT_ID and AWS_REGION name the sandbox account');
    return SandboxIam.withBotStack(context);
  }
  if (!options.account) throw new Error('startHarness: pass the sandbox account with its clients');
  return new SandboxIam(options.account, {
    codebuild: options.aws.codebuild,
    iam: options.aws.iam,
    kms: options.aws.kms,
  });
}

async function organizationFor(
  env: Record<string, string>,
  hub: SandboxIam,
  options: HarnessOptions,
): Promise<{ org?: SandboxOrganization; members: Record<string, SandboxIam> }> {
  const members: Record<string, SandboxIam> = {};
  if (!options.members) return { members };
  const config = loadConfig(env);
  for (const [name, id] of Object.entries(options.members)) {
    const member = SandboxIam.empty(id, hub.account.region);
    if (!options.withoutMemberStack?.includes(name)) {
      const context = accountContextFor({
        accountId: id,
        region: hub.account.region,
        partition: 'aws',
        stage: config.stage,
      });
      await deployMemberStack(member.account, member.clients.iam, context, {
        hubAccountId: hub.account.accountId,
        stage: config.stage,
      });
    }
    members[name] = member;
  }
  const org = new SandboxOrganization(
    hub.account,
    Object.fromEntries(Object.entries(members).map(([name, member]) => [name, member.account])),
  );
  return { org, members };
}

export async function startHarness(
  extraEnv: Record<string, string> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  const dynalite = await startDynalite();
  const table = 'requests';
  await createRequestsTable(dynalite.endpoint, table);
  // The test workspace has the requester, both approvers, the outsider and alice (TEST_PEOPLE).
  const slack = await LocalSlack.start();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynalite.endpoint;
  const env: Record<string, string> = {
    REQUESTS_TABLE: table,
    AUDIT_CHANNEL_ID: AUDIT_CHANNEL,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_API_URL: slack.url,
    STATE_MACHINE_ARN,
    APPROVER_USER_IDS: `${APPROVER_1},${APPROVER_2}`,
    // The test workspace's own domain: its people map to IAM users by the part before the @.
    IAM_USER_EMAIL_DOMAINS: 'example.com',
    APPROVAL_TIMEOUT_SECONDS: '86400',
    // The account the flows run in (the STATE_MACHINE_ARN's): apply checks every plan against it.
    AWS_ACCOUNT_ID: '111122223333',
    AWS_REGION: 'us-east-1',
    ...extraEnv,
  };
  if (options.members) {
    env.ACCOUNTS = Object.entries(options.members)
      .map(([name, id]) => `${name}=${id}`)
      .join(',');
  }
  const iam = await sandboxFor(env, options);
  const { org, members } = await organizationFor(env, iam, options);
  const clients: Partial<AwsClients> = {
    ...iam.clients,
    ...(org
      ? {
          sts: (fn: AccountFunction) => org.stsClient(hubRoleArn('aws', iam.account.accountId, 'dev', fn)),
          accountClients: (credentials: AwsCredentialIdentity | undefined) => org.clientsFor(credentials),
        }
      : {}),
  };
  const ports = (): AwsPorts => liveAwsPorts(loadConfig(env), { ...defaultAwsClients(), ...clients });
  const workflow = new LocalWorkflow({
    deps: lazy(() => inProcessTaskDeps({ ...env, ...options.workflowEnv }, ports())),
    retryIntervalMs: 0,
    waitTimeOverrides: { ...INSTANT_WAITS, ...options.waits },
    ...(options.beforeTask ? { beforeTask: options.beforeTask } : {}),
  });
  const sfn = mockClient(SFNClient);
  const sfnFaults: Record<string, Error[]> = {};
  const sfnFault = (command: string): void => {
    const error = sfnFaults[command]?.shift();
    if (error) throw error;
  };
  sfn.on(StartExecutionCommand).callsFake(async (input: { name: string; input: string }) => {
    sfnFault('StartExecution');
    if ((await workflow.start(input.name, JSON.parse(input.input))) === 'already_started') {
      throw new ExecutionAlreadyExists({ message: 'Execution already exists', $metadata: {} });
    }
    return { executionArn: `${STATE_MACHINE_ARN}:${input.name}`, startDate: new Date() };
  });
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
  sfn.on(SendTaskSuccessCommand).callsFake(async (input: { taskToken: string; output: string }) => {
    sfnFault('SendTaskSuccess');
    if ((await workflow.sendDecision(input.taskToken, JSON.parse(input.output))) === 'already_handled') {
      throw new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} });
    }
    return {};
  });
  const store = new DynamoRequestStore(testDynamoClient(dynalite.endpoint), table);
  // The slack function's ports as the Lambda has them: stand-ins that build the live ports (over the
  // harness's clients) on their first call, so every listener flow goes through deferredSlackPorts.
  const slackPorts = (): SlackPorts => {
    const config = loadConfig(env);
    return deferredSlackPorts(
      config,
      lazy(async () => liveSlackPorts(config, { ...defaultAwsClients(), ...clients })),
    );
  };
  const handler = makeSlackHandler(lazy(() => liveSlackRuntime(env, { ports: slackPorts() })));

  const poll = async (check: () => boolean | Promise<boolean>, what: string): Promise<void> => {
    for (let i = 0; i < 400; i += 1) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  return {
    handler,
    slack,
    iam,
    ...(org ? { org } : {}),
    members,
    workflow,
    store,
    sfn,
    env,
    // Trigger ids and response_urls come from the workspace, as Slack issues them, so views.open
    // and responses work as they do in local mode.
    slash: (text, options = {}) => {
      const userId = options.userId ?? REQUESTER;
      return handler(
        slashCommandEvent({
          secret: TEST_SIGNING_SECRET,
          text,
          userId,
          triggerId: slack.triggerFor(userId),
          responseUrl: slack.responseUrlFor(userId, options.channelId ?? 'C0REQ'),
          ...options,
        }),
      );
    },
    click: (requestId, userId, options = {}) =>
      handler(
        blockActionEvent({
          secret: TEST_SIGNING_SECRET,
          actionId: options.actionId ?? ACTION_IDS.approve,
          value: requestId,
          userId,
          triggerId: slack.triggerFor(userId),
          responseUrl: slack.responseUrlFor(userId, AUDIT_CHANNEL),
          ...(options.teamId ? { teamId: options.teamId } : {}),
          ...(options.apiAppId ? { apiAppId: options.apiAppId } : {}),
        }),
      ),
    homeOpened: (userId) =>
      handler(
        rawSignedEvent({
          secret: TEST_SIGNING_SECRET,
          contentType: 'application/json',
          body: JSON.stringify({
            token: 'deprecated',
            team_id: 'T0TEAM',
            api_app_id: 'A0APP',
            type: 'event_callback',
            event_id: `Ev${userId}`,
            event_time: Math.floor(Date.now() / 1000),
            event: { type: 'app_home_opened', user: userId, channel: 'D0HOME', tab: 'home', event_ts: '1.2' },
          }),
        }),
      ),
    failSfn(command, ...errors) {
      sfnFaults[command] = [...(sfnFaults[command] ?? []), ...errors];
    },
    async onlyRequest() {
      const ids = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
      const unique = [...new Set(ids)];
      if (unique.length !== 1) throw new Error(`expected one request, saw ${unique.length}`);
      const request = await store.get(String(unique[0]));
      if (!request) throw new Error('request not stored');
      return request;
    },
    awaitApprovalWait: (requestId) =>
      poll(() => workflow.isWaiting(requestId), `${requestId} to await approval`),
    async finished(requestId) {
      const run = workflow.run(requestId);
      if (!run) throw new Error(`no run for ${requestId}`);
      return run.result;
    },
    listenerDeps: () =>
      slackAppDeps(
        loadConfig(env),
        ports(),
        new WebClient(env.SLACK_BOT_TOKEN, { slackApiUrl: slack.url }),
        createLogger(),
        systemClock,
      ),
    async stop() {
      workflow.stop();
      await workflow.settle();
      sfn.restore();
      iam.restore();
      await slack.stop();
      await dynalite.stop();
    },
  };
}
