import { GetUserCommand, type IAMClient } from '@aws-sdk/client-iam';
import { SLACK_PATH_CLIENT_CONFIG, slackAwsClients } from '../../src/slack-ports-live';
import { ackText, type Harness, startHarness, testAccountContext } from '../helpers/harness';
import { SandboxIam } from '../helpers/sandbox-iam';

/**
 * The slack function must answer within 3 s, so a throttled AWS call there is retried by one layer
 * only: retryTransient's three attempts. The count is taken inside the SDK's middleware stack, below
 * its retry middleware, so every attempt the SDK itself makes is counted too (aws-sdk-client-mock
 * replaces `send` and would hide them).
 */
function throttleEveryAttempt(client: IAMClient): { commands: string[] } {
  const seen = { commands: [] as string[] };
  client.middlewareStack.add(
    (_next, context) => async () => {
      seen.commands.push(String(context.commandName));
      throw Object.assign(new Error('Rate exceeded'), {
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    },
    // After the SDK's retry middleware (finalizeRequest, high): runs once per attempt, sends nothing.
    { step: 'finalizeRequest', priority: 'low', name: 'throttleEveryAttempt' },
  );
  return seen;
}

let h: Harness;
let seen: { commands: string[] };

beforeEach(async () => {
  const clients = slackAwsClients();
  seen = throttleEveryAttempt(clients.iam);
  // IAM is the slack path's own client, throttled below the SDK's retry step; the rest is the sandbox.
  const sandbox = await SandboxIam.withBotStack(testAccountContext());
  h = await startHarness(
    {},
    {
      aws: { iam: clients.iam, codebuild: clients.codebuild, kms: sandbox.clients.kms },
      account: sandbox.account,
    },
  );
});
afterEach(async () => h.stop());

describe('one retry layer on the Slack path', () => {
  it('the slack function builds its AWS clients with a single attempt each', async () => {
    const clients = slackAwsClients();
    for (const client of Object.values(clients)) {
      await expect(client.config.maxAttempts()).resolves.toBe(SLACK_PATH_CLIENT_CONFIG.maxAttempts);
    }
  });

  it('a throttled IAM lookup is sent three times in all, then the user is told AWS is busy', async () => {
    const response = await h.slash('verify user:alice');

    expect(response.statusCode).toBe(200);
    expect(ackText(response)).toContain('AWS is busy right now, so `verify` could not finish');
    // retryTransient's 3 attempts, each a single SDK attempt: not 3 x the SDK's default 3.
    expect(seen.commands).toEqual([GetUserCommand.name, GetUserCommand.name, GetUserCommand.name]);
  });
});
