// Warm ack latency, in one process (run by bench/main.ts): the real slack handler with live wiring,
// except that the request store is in memory (bench/lib/memory-store.ts) and the workflow answers at
// once; IAM is the test suite's sandbox account (src/local/sandbox answering the real IamGateway's SDK
// commands in process) and Slack is the
// local workspace's Web API on loopback (LocalSlack). So the figures are our code plus Bolt plus loopback HTTP to Slack on clicks.
import '../test/setup/polyfills';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadConfig } from '../src/config';
import type { WorkflowPort } from '../src/domain/ports';
import { requestIdFor } from '../src/domain/submit-request';
import { liveSlackRuntime, makeSlackHandler } from '../src/handlers/slack';
import { lazy } from '../src/lazy';
import { ACTION_IDS } from '../src/slack/ids';
import { type AwsPorts, defaultAwsClients, inProcessTaskDeps, liveAwsPorts } from '../src/wiring';
import { TASKS } from '../src/workflows/tasks/registry';
import { LocalSlack } from '../test/helpers/local-slack';
import { SandboxIam } from '../test/helpers/sandbox-iam';
import { blockActionEvent, randomTriggerId, slashCommandEvent } from '../test/helpers/signed-event';
import { BENCH_BOT_TOKEN, BENCH_SECRET, SLACK_FUNCTION_ENV } from './lib/cold';
import { MemoryRequestStore } from './lib/memory-store';
import { percentile, round } from './lib/stats';

const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER1';
const TEAM = 'T0TEAM';
const GRANT = 'grant user:alice developer because warm benchmark';

export interface LatencyResult {
  path: string;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Slack Web API calls the handler made per request, by method (the fake records them). */
  slackCallsPerRequest: Record<string, number>;
}

type Handler = ReturnType<typeof makeSlackHandler>;

async function timed(
  slack: LocalSlack,
  path: string,
  count: number,
  handler: Handler,
  makeEvent: (i: number) => APIGatewayProxyEventV2,
  expectBody: (body: string) => boolean,
): Promise<LatencyResult> {
  const samples: number[] = [];
  const callsBefore = slack.calls.length;
  for (let i = 0; i < count; i += 1) {
    const event = makeEvent(i);
    const start = performance.now();
    const response = await handler(event);
    samples.push(performance.now() - start);
    if (response.statusCode !== 200 || !expectBody(response.body)) {
      throw new Error(`${path} #${i}: unexpected response ${JSON.stringify(response)}`);
    }
  }
  const slackCallsPerRequest: Record<string, number> = {};
  for (const call of slack.calls.slice(callsBefore)) {
    slackCallsPerRequest[call.method] = (slackCallsPerRequest[call.method] ?? 0) + 1 / count;
  }
  for (const method of Object.keys(slackCallsPerRequest)) {
    slackCallsPerRequest[method] = round(slackCallsPerRequest[method]!, 2);
  }
  return {
    path,
    requests: count,
    p50Ms: round(percentile(samples, 50), 2),
    p99Ms: round(percentile(samples, 99), 2),
    maxMs: round(Math.max(...samples), 2),
    meanMs: round(samples.reduce((a, b) => a + b, 0) / samples.length, 2),
    slackCallsPerRequest,
  };
}

async function main(): Promise<void> {
  const [outFile, countArg, warmupArg] = process.argv.slice(2);
  const count = Number(countArg ?? 2000);
  const warmup = Number(warmupArg ?? 200);
  // The test workspace has the requester and the approver (test/helpers/local-slack.ts).
  const slack = await LocalSlack.start({ botToken: BENCH_BOT_TOKEN });
  const iam = SandboxIam.empty('111122223333', 'us-east-1');
  iam.addUser('alice');
  const env: Record<string, string> = {
    ...SLACK_FUNCTION_ENV,
    SLACK_SIGNING_SECRET: BENCH_SECRET,
    SLACK_BOT_TOKEN: BENCH_BOT_TOKEN,
    SLACK_API_URL: slack.url,
  };
  const store = new MemoryRequestStore();
  const workflow: WorkflowPort = { start: async () => 'started', sendDecision: async () => 'sent' };
  const ports: AwsPorts = {
    ...liveAwsPorts(loadConfig(env), { ...defaultAwsClients(), iam: iam.clients.iam }),
    store,
    workflow,
  };
  const handler = makeSlackHandler(lazy(() => liveSlackRuntime(env, { ports })));

  const grant = () =>
    slashCommandEvent({ secret: BENCH_SECRET, text: GRANT, userId: REQUESTER, teamId: TEAM });
  const help = () =>
    slashCommandEvent({ secret: BENCH_SECRET, text: 'help', userId: REQUESTER, teamId: TEAM });
  const received = (body: string) => body.includes('received');
  const helpful = (body: string) => body.includes('/codebuild-access');

  // One request taken through the real Plan and Ask-for-approval tasks gives an approvable record
  // (plan, card, task token); the clicks approve copies of it under fresh ids.
  const triggerId = randomTriggerId();
  await handler(
    slashCommandEvent({ secret: BENCH_SECRET, text: GRANT, userId: REQUESTER, teamId: TEAM, triggerId }),
  );
  const templateId = requestIdFor(TEAM, triggerId);
  const taskDeps = await inProcessTaskDeps(env, ports);
  await TASKS.Plan.run(taskDeps, TASKS.Plan.schema.parse({ requestId: templateId }));
  await TASKS.AskApproval.run(
    taskDeps,
    TASKS.AskApproval.schema.parse({
      requestId: templateId,
      approvalTimeoutSeconds: 86400,
      taskToken: 'bench',
    }),
  );
  const template = await store.get(templateId);
  if (template?.status !== 'awaiting_approval') {
    throw new Error(`the template request is ${template?.status}, not awaiting approval`);
  }
  const approvable = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const requestId = requestIdFor(TEAM, randomTriggerId());
      await store.create({ ...template, requestId, taskToken: `bench-token-${requestId}` });
      ids.push(requestId);
    }
    return ids;
  };
  const click = (ids: string[]) => (i: number) =>
    blockActionEvent({
      secret: BENCH_SECRET,
      actionId: ACTION_IDS.approve,
      value: ids[i]!,
      userId: APPROVER,
      teamId: TEAM,
      messageTs: template.card?.ts,
      channelId: template.card?.channel,
    });

  // Warm-up (JIT, connection pools), not measured.
  await timed(slack, 'warm-up help', warmup, handler, help, helpful);
  await timed(slack, 'warm-up grant', warmup, handler, grant, received);
  const warmupClicks = await approvable(warmup);
  await timed(slack, 'warm-up click', warmup, handler, click(warmupClicks), () => true);

  const results: LatencyResult[] = [];
  results.push(
    await timed(
      slack,
      'slash command: grant (resolve, record, start workflow)',
      count,
      handler,
      grant,
      received,
    ),
  );
  results.push(await timed(slack, 'slash command: help', count, handler, help, helpful));
  const clickIds = await approvable(count);
  results.push(
    await timed(
      slack,
      'click: approve (decide, SendTaskSuccess, update card)',
      count,
      handler,
      click(clickIds),
      () => true,
    ),
  );

  const approved = store.statusCounts().approved ?? 0;
  if (approved !== count + warmup)
    throw new Error(`expected ${count + warmup} approved requests, saw ${approved}`);
  writeFileSync(
    outFile!,
    JSON.stringify({ results, store: 'in-memory RequestStore (bench/lib/memory-store.ts)' }),
  );
  await slack.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
