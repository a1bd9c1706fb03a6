// Cost of one request (run by bench/main.ts): the real slack handler and the real ASL on
// aws-local-stepfunctions with the real task code, as in test/helpers/harness.ts, wired here so that
// every call can be counted and attributed to the Lambda that makes it:
// - DynamoDB on dynalite, counted by a middleware on the one client every port shares;
// - IAM: the test suite's sandbox account, counted by aws-sdk-client-mock passing every call through;
// - Step Functions: StartExecution and SendTaskSuccess are recorded by a mock and handed to the local
//   run only after the slack handler has answered (as the real service does it asynchronously), so the
//   calls of the slack function and of the tasks never interleave;
// - Slack Web API: the local workspace's Web API on loopback (LocalSlack), counted from its recorded calls.
// State transitions come from the local run's event log.
import '../test/setup/polyfills';
import { writeFileSync } from 'node:fs';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../src/config';
import { liveSlackRuntime, makeSlackHandler } from '../src/handlers/slack';
import { LocalWorkflow } from '../src/local/local-workflow';
import { ACTION_IDS, DENY_MODAL } from '../src/slack/ids';
import { defaultAwsClients, inProcessTaskDeps, lazy, liveAwsPorts } from '../src/wiring';
import definition from '../src/workflows/access-request.asl.json';
import { createRequestsTable, startDynalite, testDynamoClient } from '../test/helpers/dynalite';
import { INSTANT_WAITS } from '../test/helpers/harness';
import { LocalSlack } from '../test/helpers/local-slack';
import { SandboxIam } from '../test/helpers/sandbox-iam';
import { blockActionEvent, slashCommandEvent, viewSubmissionEvent } from '../test/helpers/signed-event';
import { BENCH_BOT_TOKEN, BENCH_SECRET, SLACK_FUNCTION_ENV } from './lib/cold';

const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER1';
const STATES = definition.States as Record<string, { Type: string }>;

export interface PhaseCost {
  phase: string;
  /** AWS API calls by service and operation, e.g. { "DynamoDB.GetItem": 2 }. */
  aws: Record<string, number>;
  awsCalls: number;
  slackCalls: number;
}

export interface FlowCost {
  flow: string;
  command: string;
  outcome: string;
  /** States entered plus retries: what Standard Workflows bill. */
  stateTransitions: number;
  statesEntered: string[];
  retries: number;
  /** Lambda invocations Step Functions makes (Task states entered, and their retries). */
  lambdaInvocations: number;
  awsCalls: number;
  slackCalls: number;
  phases: PhaseCost[];
}

async function main(): Promise<void> {
  const [outFile] = process.argv.slice(2);
  const dynalite = await startDynalite();
  await createRequestsTable(dynalite.endpoint, 'requests');
  // The test workspace has the requester and the approver (test/helpers/local-slack.ts).
  const slack = await LocalSlack.start({ botToken: BENCH_BOT_TOKEN });
  const iam = SandboxIam.empty('111122223333', 'us-east-1');
  // One IAM user per flow, so each plan has something to change.
  for (const user of ['alice', 'bob', 'carol']) iam.addUser(user);
  const iamCalls = mockClient(iam.clients.iam);
  iamCalls.send.callThrough();
  const env: Record<string, string> = {
    ...SLACK_FUNCTION_ENV,
    SLACK_SIGNING_SECRET: BENCH_SECRET,
    SLACK_BOT_TOKEN: BENCH_BOT_TOKEN,
    SLACK_API_URL: slack.url,
  };

  const dynamoCalls: string[] = [];
  const dynamodb = testDynamoClient(dynalite.endpoint);
  // lib-dynamodb's document client shares this stack, so its commands pass here too.
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      dynamoCalls.push(`DynamoDB.${String(context.commandName).replace(/Command$/, '')}`);
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  const ports = liveAwsPorts(loadConfig(env), { ...defaultAwsClients(), iam: iam.clients.iam, dynamodb });
  // The Wait states and the grant's holds take no time, as in the tests (one list of them).
  const workflow = new LocalWorkflow({
    deps: lazy(() => inProcessTaskDeps(env, ports)),
    retryIntervalMs: 0,
    waitTimeOverrides: INSTANT_WAITS,
  });
  const sfn = mockClient(SFNClient);
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

  const snapshot = () => ({
    dynamo: dynamoCalls.length,
    iam: iamCalls.calls().length,
    sfn: sfn.calls().length,
    slack: slack.calls.length,
  });
  const phaseSince = (phase: string, from: ReturnType<typeof snapshot>): PhaseCost => {
    const names = [
      ...dynamoCalls.slice(from.dynamo),
      ...iamCalls
        .calls()
        .slice(from.iam)
        .map((call) => `IAM.${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`),
      ...sfn
        .calls()
        .slice(from.sfn)
        .map((call) => `StepFunctions.${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`),
    ];
    const aws: Record<string, number> = {};
    for (const name of names.sort()) aws[name] = (aws[name] ?? 0) + 1;
    return { phase, aws, awsCalls: names.length, slackCalls: slack.calls.length - from.slack };
  };

  const runFlow = async (flow: string, command: string, choice: 'approve' | 'deny'): Promise<FlowCost> => {
    const phases: PhaseCost[] = [];
    let mark = snapshot();
    const ack = await handler(slashCommandEvent({ secret: BENCH_SECRET, text: command, userId: REQUESTER }));
    if (!ack.body.includes('received') || pendingStart === undefined) {
      throw new Error(`${flow}: the command was not accepted: ${ack.body}`);
    }
    phases.push(phaseSince('slash command (slack function)', mark));
    const { name: requestId, input } = pendingStart;
    pendingStart = undefined;

    mark = snapshot();
    await workflow.start(requestId, JSON.parse(input));
    for (let i = 0; i < 2000 && !workflow.isWaiting(requestId); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (!workflow.isWaiting(requestId)) throw new Error(`${flow}: the run never waited for approval`);
    phases.push(phaseSince('plan, ask for approval (task functions)', mark));

    mark = snapshot();
    if (choice === 'approve') {
      await handler(
        blockActionEvent({
          secret: BENCH_SECRET,
          actionId: ACTION_IDS.approve,
          value: requestId,
          userId: APPROVER,
        }),
      );
      phases.push(phaseSince('approve click (slack function)', mark));
    } else {
      // Deny opens a modal for the reason; submitting it decides.
      await handler(
        blockActionEvent({
          secret: BENCH_SECRET,
          actionId: ACTION_IDS.deny,
          value: requestId,
          userId: APPROVER,
          triggerId: slack.triggerFor(APPROVER),
        }),
      );
      phases.push(phaseSince('deny click, opens the reason modal (slack function)', mark));
      mark = snapshot();
      await handler(
        viewSubmissionEvent({
          secret: BENCH_SECRET,
          callbackId: DENY_MODAL.callbackId,
          privateMetadata: requestId,
          userId: APPROVER,
          values: {
            [DENY_MODAL.reasonBlockId]: {
              [DENY_MODAL.reasonActionId]: { type: 'plain_text_input', value: 'not needed (cost benchmark)' },
            },
          },
        }),
      );
      phases.push(phaseSince('deny reason submitted (slack function)', mark));
    }
    if (pendingDecision === undefined) throw new Error(`${flow}: the ${choice} sent no decision`);
    const decision = pendingDecision;
    pendingDecision = undefined;

    mark = snapshot();
    await workflow.sendDecision(decision.taskToken, JSON.parse(decision.output));
    const run = workflow.run(requestId)!;
    const result = await run.result;
    phases.push(phaseSince('after the decision (task functions)', mark));

    const entered = run.events.flatMap((event) =>
      event.type === 'StateEntered' && 'state' in event ? [event.state.name] : [],
    );
    const retried = run.events.flatMap((event) =>
      event.type === 'StateRetried' && 'state' in event ? [event.state.name] : [],
    );
    const isTask = (name: string) => STATES[name]?.Type === 'Task';
    return {
      flow,
      command,
      outcome: result.status === 'SUCCEEDED' ? 'SUCCEEDED' : `${result.status}: ${result.error ?? ''}`,
      stateTransitions: entered.length + retried.length,
      statesEntered: entered,
      retries: retried.length,
      lambdaInvocations: entered.filter(isTask).length + retried.filter(isTask).length,
      awsCalls: phases.reduce((sum, p) => sum + p.awsCalls, 0),
      slackCalls: phases.reduce((sum, p) => sum + p.slackCalls, 0),
      phases,
    };
  };

  const flows: FlowCost[] = [
    await runFlow('approved developer grant', 'grant user:alice developer because cost benchmark', 'approve'),
    await runFlow('denied developer grant', 'grant user:bob developer because cost benchmark', 'deny'),
  ];
  // A time-bound grant: applied, then held until its reminder and its end, then revoked.
  const timeBound = 'grant user:carol developer for 8h because cost benchmark';
  let pending: string | undefined;
  try {
    flows.push(await runFlow('time-bound developer grant (8h)', timeBound, 'approve'));
  } catch (error) {
    pending = `could not be measured: ${error instanceof Error ? error.message : String(error)}`;
  }
  writeFileSync(
    outFile!,
    JSON.stringify({ flows, timeBound: pending ? { command: timeBound, pending } : null }),
  );
  workflow.stop();
  sfn.restore();
  iamCalls.restore();
  await slack.stop();
  await dynalite.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
