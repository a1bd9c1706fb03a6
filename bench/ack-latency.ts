// Ack under realistic latency (run by bench/main.ts): the deployed slack bundle answers the slash command
// `grant <@mention> developer` from a cold start and then warm, with 30 ms added to every AWS call
// (IAM and Step Functions by bench/lib/loopback-aws.ts, DynamoDB by a proxy in front of dynalite, the
// secrets extension's first, uncached read of each parameter) and 50 ms to every Slack call (a proxy in
// front of the local Slack Web API). The mention resolves in a sandbox account of 10,000 IAM users and
// 1,000 groups with IAM_USER_MAPPING=tag; the IAM user index is WARM (built first, off the clock, by
// refreshUserIndex's own code, as its hourly schedule keeps it), so a mention costs one index read and
// one GetUser. Each round is a fresh node process: require the bundle, read both secrets through the
// extension, answer the first command (cold), then answer the next ones on the same warm handler.
import '../test/setup/polyfills';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { IAMClient } from '@aws-sdk/client-iam';
import { refreshUserIndexes } from '../src/domain/iam-user-index';
import { SandboxAccount } from '../src/local/sandbox/account';
import { liveUserIndexDeps } from '../src/wiring';
import { seedBigAccount } from '../test/helpers/big-account';
import { createRequestsTable, startDynalite, testDynamoClient } from '../test/helpers/dynalite';
import { startFakeSecretsExtension } from '../test/helpers/fake-secrets-extension';
import { LocalSlack } from '../test/helpers/local-slack';
import { slashCommandEvent } from '../test/helpers/signed-event';
import { ROOT } from './lib/bundles';
import { BENCH_BOT_TOKEN, BENCH_SECRET, SLACK_FUNCTION_ENV } from './lib/cold';
import { startLatencyProxy } from './lib/latency-proxy';
import { startLoopbackAws } from './lib/loopback-aws';
import { median, percentile, round } from './lib/stats';

const run = promisify(execFile);

export const AWS_DELAY_MS = 30;
export const SLACK_DELAY_MS = 50;
const USERS = 10_000;
const GROUPS = 1_000;
const MENTIONED = 'U0ALICE';
const SESSION_TOKEN = 'bench-session-token';
const PARAMETERS = {
  '/codebuild-access/bench/slack-signing-secret': BENCH_SECRET,
  '/codebuild-access/bench/slack-bot-token': BENCH_BOT_TOKEN,
};
const COMMAND = `grant <@${MENTIONED}|alice> developer because latency benchmark`;

export interface AckLatencyResult {
  awsDelayMs: number;
  slackDelayMs: number;
  users: number;
  groups: number;
  indexWarm: true;
  command: string;
  rounds: number;
  warmRequestsPerRound: number;
  /** Per fresh process: require() + the first command, which reads both secrets through the extension. */
  cold: { initMs: number; firstMs: number; totalMs: number }[];
  coldMedianMs: number;
  coldMaxMs: number;
  warm: { requests: number; p50Ms: number; p99Ms: number; maxMs: number; meanMs: number };
  /** Calls that reached each delayed endpoint, over the whole run, and per acknowledged command. */
  calls: { aws: number; dynamodb: number; slack: number; secretsExtension: number; perAck: number };
}

interface ChildOutput {
  initMs: number;
  firstMs: number;
  response?: { statusCode?: number; body?: string };
  warmMs?: number[];
  warmResponses?: Array<{ statusCode?: number; body?: string }>;
}

const accepted = (response: { statusCode?: number; body?: string } | undefined): boolean =>
  response?.statusCode === 200 && (response.body ?? '').includes('received');

async function main(): Promise<void> {
  const [outFile, bundle, roundsArg, warmArg] = process.argv.slice(2);
  const rounds = Number(roundsArg ?? 5);
  const warmRequests = Number(warmArg ?? 60);

  const account = new SandboxAccount('111122223333', 'us-east-1');
  seedBigAccount(account, { users: USERS, groups: GROUPS, tagged: { 'a.chen': MENTIONED } });
  // Two fronts on the one account: the index is built through the undelayed one, off the clock.
  const [direct, delayed, dynalite, slack, extension] = await Promise.all([
    startLoopbackAws(account),
    startLoopbackAws(account, { delayMs: AWS_DELAY_MS }),
    startDynalite(),
    LocalSlack.start({ botToken: BENCH_BOT_TOKEN }),
    startFakeSecretsExtension({ parameters: PARAMETERS, sessionToken: SESSION_TOKEN, delayMs: AWS_DELAY_MS }),
  ]);
  await createRequestsTable(dynalite.endpoint, 'requests');
  const [dynamoProxy, slackProxy] = await Promise.all([
    startLatencyProxy(dynalite.endpoint, AWS_DELAY_MS),
    startLatencyProxy(slack.url, SLACK_DELAY_MS),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'codebuild-access-latency-'));
  try {
    const baseEnv = { ...SLACK_FUNCTION_ENV, IAM_USER_MAPPING: 'tag' };
    const refresh = await liveUserIndexDeps(baseEnv, {
      iam: new IAMClient({
        endpoint: direct.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'BENCH', secretAccessKey: 'BENCH' },
      }),
      dynamodb: testDynamoClient(dynalite.endpoint),
    });
    // One tick of the refresh, as EventBridge runs it: the hub's first scan (no member accounts here).
    await refreshUserIndexes(
      { ...refresh, log: { ...refresh.log, info: () => undefined } },
      () => Number.POSITIVE_INFINITY,
    );

    const childEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...baseEnv,
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SESSION_TOKEN: SESSION_TOKEN,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_IAM: delayed.endpoint,
      AWS_ENDPOINT_URL_SFN: delayed.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.endpoint,
      SLACK_API_URL: slackProxy.endpoint,
      // As deployed: parameter names, read through the extension (src/aws/secrets.ts), never values.
      SLACK_SIGNING_SECRET_PARAMETER: '/codebuild-access/bench/slack-signing-secret',
      SLACK_BOT_TOKEN_PARAMETER: '/codebuild-access/bench/slack-bot-token',
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    // BENCH_CHILD_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/x" profiles the children (not in results).
    const nodeFlags = (process.env.BENCH_CHILD_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
    const cold: AckLatencyResult['cold'] = [];
    const warm: number[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const event = (n: number) =>
        slashCommandEvent({ secret: BENCH_SECRET, text: `${COMMAND} ${r}-${n}`, userId: 'U0REQUESTER' });
      const eventsFile = join(dir, `events-${r}.json`);
      writeFileSync(eventsFile, JSON.stringify(Array.from({ length: warmRequests }, (_, n) => event(n + 1))));
      const { stdout } = await run(
        process.execPath,
        [...nodeFlags, join(ROOT, 'bench', 'lib', 'cold-child.js'), bundle!],
        {
          env: { ...childEnv, BENCH_EVENT: JSON.stringify(event(0)), BENCH_MORE_EVENTS: eventsFile },
          maxBuffer: 256 * 1024 * 1024,
        },
      );
      if (process.env.BENCH_CHILD_LOG) writeFileSync(`${process.env.BENCH_CHILD_LOG}-${r}`, stdout);
      const out = JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildOutput;
      const refused = [out.response, ...(out.warmResponses ?? [])].find((response) => !accepted(response));
      if (refused !== undefined || (out.warmMs?.length ?? 0) !== warmRequests) {
        throw new Error(`a command was not acknowledged as received: ${JSON.stringify(refused)}`);
      }
      cold.push({
        initMs: round(out.initMs),
        firstMs: round(out.firstMs),
        totalMs: round(out.initMs + out.firstMs),
      });
      warm.push(...(out.warmMs ?? []));
    }
    const acks = rounds * (warmRequests + 1);
    const totals = cold.map((c) => c.totalMs);
    const result: AckLatencyResult = {
      awsDelayMs: AWS_DELAY_MS,
      slackDelayMs: SLACK_DELAY_MS,
      users: account.users.size,
      groups: account.groups.size,
      indexWarm: true,
      command: COMMAND,
      rounds,
      warmRequestsPerRound: warmRequests,
      cold,
      coldMedianMs: round(median(totals)),
      coldMaxMs: round(Math.max(...totals)),
      warm: {
        requests: warm.length,
        p50Ms: round(percentile(warm, 50)),
        p99Ms: round(percentile(warm, 99)),
        maxMs: round(Math.max(...warm)),
        meanMs: round(warm.reduce((a, b) => a + b, 0) / warm.length),
      },
      calls: {
        aws: delayed.calls.length,
        dynamodb: dynamoProxy.forwarded,
        slack: slackProxy.forwarded,
        secretsExtension: extension.requests.length,
        perAck: round((delayed.calls.length + dynamoProxy.forwarded + slackProxy.forwarded) / acks, 2),
      },
    };
    writeFileSync(outFile!, JSON.stringify(result));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([
      dynamoProxy.stop(),
      slackProxy.stop(),
      extension.stop(),
      slack.stop(),
      dynalite.stop(),
      direct.stop(),
      delayed.stop(),
    ]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
