// The bot wired for counting (bench/cost.ts, bench/account-size.ts): the real slack handler and the real
// ASL with the real task code, as in test/helpers/harness.ts, with every AWS call named where it is made.
// - DynamoDB: dynalite, counted by a middleware on the one client every port shares (lib-dynamodb's
//   document client shares its stack, so its commands pass there too);
// - IAM: the caller's client, counted by the caller (a pass-through mock, or the loopback server);
// - Step Functions: StartExecution and SendTaskSuccess are recorded by a mock and handed to the local run
//   only when the bench says so (the real service does it asynchronously), so the calls of the slack
//   function and of the task functions never interleave.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../src/config';
import { liveSlackRuntime, makeSlackHandler } from '../../src/handlers/slack';
import { lazy } from '../../src/lazy';
import { LocalWorkflow } from '../../src/local/local-workflow';
import { ACTION_IDS } from '../../src/slack/ids';
import { defaultAwsClients, inProcessTaskDeps, liveAwsPorts } from '../../src/wiring';
import { testDynamoClient } from '../../test/helpers/dynalite';
import { INSTANT_WAITS } from '../../test/helpers/harness';
import { blockActionEvent, slashCommandEvent } from '../../test/helpers/signed-event';
import { BENCH_SECRET } from './cold';

/** A DynamoDB client on `endpoint` that names each call it sends (`DynamoDB.GetItem`) in `calls`. */
export function countedDynamo(endpoint: string): { client: DynamoDBClient; calls: string[] } {
  const calls: string[] = [];
  const client = testDynamoClient(endpoint);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(`DynamoDB.${String(context.commandName).replace(/Command$/, '')}`);
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  return { client, calls };
}

export interface CountedBotOptions {
  env: Record<string, string>;
  iam: IAMClient;
  dynamodb: { client: DynamoDBClient; calls: string[] };
  /** Every IAM call so far, named `IAM.GetUser`, in order. */
  iamCalls(): string[];
}

/** A position in the call log; `since` names the calls made after it. */
export interface Mark {
  iam: number;
  dynamo: number;
  sfn: number;
}

export interface Started {
  requestId: string;
  input: unknown;
  body: string;
}

export interface Decision {
  taskToken: string;
  output: string;
}

/** The SDK command's name without `Command`, of a call recorded by aws-sdk-client-mock. */
export const sdkName = (call: { args: readonly unknown[] }): string =>
  (call.args[0] as object).constructor.name.replace(/Command$/, '');

export function countedBot(options: CountedBotOptions) {
  const { env, iam, dynamodb } = options;
  const ports = liveAwsPorts(loadConfig(env), { ...defaultAwsClients(), iam, dynamodb: dynamodb.client });
  const workflow = new LocalWorkflow({
    deps: lazy(() => inProcessTaskDeps(env, ports)),
    retryIntervalMs: 0,
    waitTimeOverrides: INSTANT_WAITS,
  });
  const sfn = mockClient(SFNClient);
  let pendingStart: { name: string; input: string } | undefined;
  let pendingDecision: Decision | undefined;
  sfn.on(StartExecutionCommand).callsFake(async (input: { name: string; input: string }) => {
    pendingStart = input;
    return {
      executionArn: `arn:aws:states:us-east-1:111122223333:execution:x:${input.name}`,
      startDate: new Date(),
    };
  });
  sfn.on(SendTaskSuccessCommand).callsFake(async (input: Decision) => {
    pendingDecision = input;
    return {};
  });
  const handler = makeSlackHandler(lazy(() => liveSlackRuntime(env, { ports })));

  const mark = (): Mark => ({
    iam: options.iamCalls().length,
    dynamo: dynamodb.calls.length,
    sfn: sfn.calls().length,
  });
  const since = (from: Mark): string[] => [
    ...options.iamCalls().slice(from.iam),
    ...dynamodb.calls.slice(from.dynamo),
    ...sfn
      .calls()
      .slice(from.sfn)
      .map((call) => `StepFunctions.${sdkName(call)}`),
  ];

  return {
    handler,
    workflow,
    mark,
    since,
    /** The slash command from `userId`; throws unless it was accepted and started a run. */
    async command(text: string, userId: string): Promise<Started> {
      const ack = await handler(slashCommandEvent({ secret: BENCH_SECRET, text, userId }));
      const started = pendingStart;
      pendingStart = undefined;
      if (!ack.body.includes('received') || started === undefined) {
        throw new Error(`the command was not accepted: ${ack.body}`);
      }
      return { requestId: started.name, input: JSON.parse(started.input), body: ack.body };
    },
    /** Starts the run the command asked for and waits until it waits for approval. */
    async untilApprovalWait(started: Started): Promise<void> {
      await workflow.start(started.requestId, started.input);
      for (let i = 0; i < 5000 && !workflow.isWaiting(started.requestId); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      if (!workflow.isWaiting(started.requestId)) throw new Error('the run never waited for approval');
    },
    /** `userId` clicks Approve on the card. */
    approve: (requestId: string, userId: string) =>
      handler(
        blockActionEvent({ secret: BENCH_SECRET, actionId: ACTION_IDS.approve, value: requestId, userId }),
      ),
    /** The decision the last click sent to Step Functions; throws when it sent none. */
    takeDecision(): Decision {
      const decision = pendingDecision;
      pendingDecision = undefined;
      if (decision === undefined) throw new Error('the click sent no decision');
      return decision;
    },
    /** Hands the decision to the run and waits for its end. */
    async finish(requestId: string, decision: Decision) {
      await workflow.sendDecision(decision.taskToken, JSON.parse(decision.output));
      const run = workflow.run(requestId)!;
      return { run, result: await run.result };
    },
    stop(): void {
      workflow.stop();
      sfn.restore();
    },
  };
}

export type CountedBot = ReturnType<typeof countedBot>;
