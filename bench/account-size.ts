// Calls per request vs account size (run by bench/main.ts): an approved developer grant for a Slack mention
// (IAM_USER_MAPPING=tag) in sandbox accounts of 100, 1,000 and 10,000 IAM users and 1,000 groups each.
// The sandbox account is seeded in memory (test/helpers/big-account.ts) and served over HTTP on loopback
// (bench/lib/loopback-aws.ts), so every IAM call is counted where it arrives. The real slack handler and
// the real ASL with the real task code run as in bench/cost.ts; DynamoDB is dynalite, counted by a
// middleware; Step Functions is bridged in process. The IAM user index is built first by the scheduled
// refreshUserIndex function's own code, whose scan is reported apart: it runs hourly, not per request.
import '../test/setup/polyfills';
import { writeFileSync } from 'node:fs';
import { IAMClient } from '@aws-sdk/client-iam';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../src/config';
import { rebuildUserIndex } from '../src/domain/iam-user-index';
import { liveSlackRuntime, makeSlackHandler } from '../src/handlers/slack';
import { LocalWorkflow } from '../src/local/local-workflow';
import { SandboxAccount } from '../src/local/sandbox/account';
import { ACTION_IDS } from '../src/slack/ids';
import { defaultAwsClients, inProcessTaskDeps, lazy, liveAwsPorts, liveUserIndexDeps } from '../src/wiring';
import definition from '../src/workflows/access-request.asl.json';
import { seedBigAccount } from '../test/helpers/big-account';
import { createRequestsTable, startDynalite, testDynamoClient } from '../test/helpers/dynalite';
import { LocalSlack } from '../test/helpers/local-slack';
import { blockActionEvent, slashCommandEvent } from '../test/helpers/signed-event';
import { BENCH_BOT_TOKEN, BENCH_SECRET, SLACK_FUNCTION_ENV } from './lib/cold';
import { startLoopbackAws } from './lib/loopback-aws';

const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER1';
const MENTIONED = 'U0ALICE';
const SIZES = [100, 1_000, 10_000];
const GROUPS = 1_000;
const STATES = definition.States as Record<string, { Type: string }>;

export interface AccountSizeRow {
  users: number;
  groups: number;
  /** AWS calls by operation on the Slack path (slash command + approve click). */
  slackPath: Record<string, number>;
  slackPathCalls: number;
  /** AWS calls by operation in the workflow's task functions. */
  workflow: Record<string, number>;
  workflowCalls: number;
  /** IAM calls of one scheduled index refresh (hourly, off the request path). */
  indexRefreshIamCalls: number;
  outcome: string;
}

const tally = (names: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const name of [...names].sort()) out[name] = (out[name] ?? 0) + 1;
  return out;
};

async function measure(users: number): Promise<AccountSizeRow> {
  const account = new SandboxAccount('111122223333', 'us-east-1');
  seedBigAccount(account, { users, groups: GROUPS, tagged: { 'a.chen': MENTIONED } });
  const aws = await startLoopbackAws(account);
  const dynalite = await startDynalite();
  await createRequestsTable(dynalite.endpoint, 'requests');
  const slack = await LocalSlack.start({ botToken: BENCH_BOT_TOKEN });
  const env: Record<string, string> = {
    ...SLACK_FUNCTION_ENV,
    SLACK_SIGNING_SECRET: BENCH_SECRET,
    SLACK_BOT_TOKEN: BENCH_BOT_TOKEN,
    SLACK_API_URL: slack.url,
    IAM_USER_MAPPING: 'tag',
  };
  const iam = new IAMClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'BENCH', secretAccessKey: 'BENCH' },
  });
  const dynamoCalls: string[] = [];
  const dynamodb = testDynamoClient(dynalite.endpoint);
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      dynamoCalls.push(`DynamoDB.${String(context.commandName).replace(/Command$/, '')}`);
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  const sfn = mockClient(SFNClient);
  try {
    const refresh = await liveUserIndexDeps(env, { iam, dynamodb });
    await rebuildUserIndex({ ...refresh, log: { ...refresh.log, info: () => undefined } });
    const indexRefreshIamCalls = aws.calls.length;

    const ports = liveAwsPorts(loadConfig(env), { ...defaultAwsClients(), iam, dynamodb });
    const workflow = new LocalWorkflow({
      deps: lazy(() => inProcessTaskDeps(env, ports)),
      retryIntervalMs: 0,
      waitTimeOverrides: Object.fromEntries(
        Object.entries(STATES)
          .filter(([, state]) => state.Type === 'Wait')
          .map(([name]) => [name, 0]),
      ),
    });
    let pendingStart: { name: string; input: string } | undefined;
    let pendingDecision: { taskToken: string; output: string } | undefined;
    sfn.on(StartExecutionCommand).callsFake(async (input: { name: string; input: string }) => {
      pendingStart = input;
      return {
        executionArn: `arn:aws:states:us-east-1:111122223333:execution:x:${input.name}`,
        startDate: new Date(),
      };
    });
    sfn.on(SendTaskSuccessCommand).callsFake(async (input: { taskToken: string; output: string }) => {
      pendingDecision = input;
      return {};
    });
    const handler = makeSlackHandler(lazy(() => liveSlackRuntime(env, { ports })));
    const mark = () => ({ iam: aws.calls.length, dynamo: dynamoCalls.length, sfn: sfn.calls().length });
    const since = (from: ReturnType<typeof mark>): string[] => [
      ...aws.calls.slice(from.iam).map((call) => call.replace(/^iam:/, 'IAM.')),
      ...dynamoCalls.slice(from.dynamo),
      ...sfn
        .calls()
        .slice(from.sfn)
        .map((call) => `StepFunctions.${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`),
    ];

    let from = mark();
    const ack = await handler(
      slashCommandEvent({
        secret: BENCH_SECRET,
        text: `grant <@${MENTIONED}|alice> developer because account-size benchmark`,
        userId: REQUESTER,
      }),
    );
    if (!ack.body.includes('received') || !pendingStart) throw new Error(`not accepted: ${ack.body}`);
    const slackPath = since(from);
    const { name: requestId, input } = pendingStart;

    from = mark();
    await workflow.start(requestId, JSON.parse(input));
    for (let i = 0; i < 5000 && !workflow.isWaiting(requestId); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (!workflow.isWaiting(requestId)) throw new Error('the run never waited for approval');
    const workflowCalls = since(from);

    from = mark();
    await handler(
      blockActionEvent({
        secret: BENCH_SECRET,
        actionId: ACTION_IDS.approve,
        value: requestId,
        userId: APPROVER,
      }),
    );
    slackPath.push(...since(from));
    if (!pendingDecision) throw new Error('the approval sent no decision');
    const decision: { taskToken: string; output: string } = pendingDecision;

    from = mark();
    await workflow.sendDecision(decision.taskToken, JSON.parse(decision.output));
    const result = await workflow.run(requestId)!.result;
    workflowCalls.push(...since(from));
    workflow.stop();
    return {
      users: account.users.size,
      groups: account.groups.size,
      slackPath: tally(slackPath),
      slackPathCalls: slackPath.length,
      workflow: tally(workflowCalls),
      workflowCalls: workflowCalls.length,
      indexRefreshIamCalls,
      outcome: result.status === 'SUCCEEDED' ? 'SUCCEEDED' : `${result.status}: ${result.error ?? ''}`,
    };
  } finally {
    sfn.restore();
    await slack.stop();
    await dynalite.stop();
    await aws.stop();
  }
}

async function main(): Promise<void> {
  const [outFile] = process.argv.slice(2);
  const rows: AccountSizeRow[] = [];
  for (const users of SIZES) rows.push(await measure(users));
  writeFileSync(outFile!, JSON.stringify({ rows }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
