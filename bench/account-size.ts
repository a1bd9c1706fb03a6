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
import { refreshUserIndexes } from '../src/domain/iam-user-index';
import { SandboxAccount } from '../src/local/sandbox/account';
import { liveUserIndexDeps } from '../src/wiring';
import { seedBigAccount } from '../test/helpers/big-account';
import { createRequestsTable, startDynalite } from '../test/helpers/dynalite';
import { LocalSlack } from '../test/helpers/local-slack';
import { BENCH_BOT_TOKEN, BENCH_SECRET, SLACK_FUNCTION_ENV } from './lib/cold';
import { type CountedBot, countedBot, countedDynamo } from './lib/counted-bot';
import { startLoopbackAws } from './lib/loopback-aws';

const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER1';
const MENTIONED = 'U0ALICE';
const SIZES = [100, 1_000, 10_000];
const GROUPS = 1_000;

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
  const dynamodb = countedDynamo(dynalite.endpoint);
  let bot: CountedBot | undefined;
  try {
    const refresh = await liveUserIndexDeps(env, { iam, dynamodb: dynamodb.client });
    // One tick of the refresh, as EventBridge runs it: the hub's first scan (no member accounts here).
    await refreshUserIndexes(
      { ...refresh, log: { ...refresh.log, info: () => undefined } },
      () => Number.POSITIVE_INFINITY,
    );
    const indexRefreshIamCalls = aws.calls.length;

    const counted = countedBot({
      env,
      iam,
      dynamodb,
      iamCalls: () => aws.calls.map((call) => call.replace(/^iam:/, 'IAM.')),
    });
    bot = counted;
    let from = counted.mark();
    const started = await counted.command(
      `grant <@${MENTIONED}|alice> developer because account-size benchmark`,
      REQUESTER,
    );
    const slackPath = counted.since(from);

    from = counted.mark();
    await counted.untilApprovalWait(started);
    const workflowCalls = counted.since(from);

    from = counted.mark();
    await counted.approve(started.requestId, APPROVER);
    slackPath.push(...counted.since(from));
    const decision = counted.takeDecision();

    from = counted.mark();
    const { result } = await counted.finish(started.requestId, decision);
    workflowCalls.push(...counted.since(from));
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
    bot?.stop();
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
