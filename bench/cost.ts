// Cost of one request (run by bench/main.ts): the real slack handler and the real ASL with the real task
// code, wired by bench/lib/counted-bot.ts so that every call is counted and attributed to the Lambda that
// makes it. IAM is the test suite's sandbox account, counted by aws-sdk-client-mock passing every call
// through; the Slack Web API is the local workspace's on loopback (LocalSlack), counted from its recorded
// calls. State transitions come from the local run's event log.
import '../test/setup/polyfills';
import { writeFileSync } from 'node:fs';
import { mockClient } from 'aws-sdk-client-mock';
import { ACTION_IDS, DENY_MODAL } from '../src/slack/ids';
import definition from '../src/workflows/access-request.asl.json';
import { createRequestsTable, startDynalite } from '../test/helpers/dynalite';
import { LocalSlack } from '../test/helpers/local-slack';
import { SandboxIam } from '../test/helpers/sandbox-iam';
import { blockActionEvent, viewSubmissionEvent } from '../test/helpers/signed-event';
import { BENCH_BOT_TOKEN, BENCH_SECRET, SLACK_FUNCTION_ENV } from './lib/cold';
import { countedBot, countedDynamo, type Mark, sdkName } from './lib/counted-bot';

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

  const bot = countedBot({
    env,
    iam: iam.clients.iam,
    dynamodb: countedDynamo(dynalite.endpoint),
    iamCalls: () => iamCalls.calls().map((call) => `IAM.${sdkName(call)}`),
  });
  const phaseSince = (phase: string, from: Mark, slackFrom: number): PhaseCost => {
    const names = bot.since(from);
    const aws: Record<string, number> = {};
    for (const name of names.sort()) aws[name] = (aws[name] ?? 0) + 1;
    return { phase, aws, awsCalls: names.length, slackCalls: slack.calls.length - slackFrom };
  };
  /** Runs `step` and records the calls it made as one phase. */
  const phase = async <T>(phases: PhaseCost[], name: string, step: () => Promise<T>): Promise<T> => {
    const from = bot.mark();
    const slackFrom = slack.calls.length;
    const result = await step();
    phases.push(phaseSince(name, from, slackFrom));
    return result;
  };

  const runFlow = async (flow: string, command: string, choice: 'approve' | 'deny'): Promise<FlowCost> => {
    const phases: PhaseCost[] = [];
    const started = await phase(phases, 'slash command (slack function)', () =>
      bot.command(command, REQUESTER),
    );
    const { requestId } = started;
    await phase(phases, 'plan, ask for approval (task functions)', () => bot.untilApprovalWait(started));
    if (choice === 'approve') {
      await phase(phases, 'approve click (slack function)', () => bot.approve(requestId, APPROVER));
    } else {
      // Deny opens a modal for the reason; submitting it decides.
      await phase(phases, 'deny click, opens the reason modal (slack function)', () =>
        bot.handler(
          blockActionEvent({
            secret: BENCH_SECRET,
            actionId: ACTION_IDS.deny,
            value: requestId,
            userId: APPROVER,
            triggerId: slack.triggerFor(APPROVER),
          }),
        ),
      );
      await phase(phases, 'deny reason submitted (slack function)', () =>
        bot.handler(
          viewSubmissionEvent({
            secret: BENCH_SECRET,
            callbackId: DENY_MODAL.callbackId,
            privateMetadata: requestId,
            userId: APPROVER,
            values: {
              [DENY_MODAL.reasonBlockId]: {
                [DENY_MODAL.reasonActionId]: {
                  type: 'plain_text_input',
                  value: 'not needed (cost benchmark)',
                },
              },
            },
          }),
        ),
      );
    }
    const decision = bot.takeDecision();
    const { run, result } = await phase(phases, 'after the decision (task functions)', () =>
      bot.finish(requestId, decision),
    );

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
  bot.stop();
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
