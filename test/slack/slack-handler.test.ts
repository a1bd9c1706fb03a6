import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { liveSlackRuntime, makeSlackHandler } from '../../src/handlers/slack';
import { lazy } from '../../src/lazy';
import { ACTION_IDS } from '../../src/slack/ids';
import {
  ALICE,
  APPROVER_1,
  APPROVER_2,
  ackText,
  type Harness,
  OUTSIDER,
  REQUESTER,
  startHarness,
} from '../helpers/harness';
import { rawSignedEvent, slashCommandEvent, TEST_SIGNING_SECRET } from '../helpers/signed-event';
import { refreshTick } from '../helpers/user-index-refresh';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.iam.addUser('alice');
});
afterEach(async () => h.stop());

const now = () => Math.floor(Date.now() / 1000);
const slash = (text: string, extra: Parameters<Harness['slash']>[1] = {}) => h.slash(text, extra);
const click = (requestId: string, userId: string, actionId: string = ACTION_IDS.approve) =>
  h.click(requestId, userId, { actionId });
const lastEphemeralFor = (userId: string): string | undefined =>
  h.slack.ephemerals.filter((e) => e.user === userId).at(-1)?.text;

describe('the slack handler: signatures and timestamps', () => {
  // Slack's own worked example (api.slack.com/authentication/verifying-requests-from-slack).
  const EXAMPLE_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
  const EXAMPLE_TS = 1531420618;
  const EXAMPLE_BODY =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const EXAMPLE_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
  const exampleEvent = {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(EXAMPLE_TS),
      'x-slack-signature': EXAMPLE_SIGNATURE,
    },
    body: EXAMPLE_BODY,
    isBase64Encoded: false,
  };
  const handlerWith = (secret: string) =>
    makeSlackHandler(
      lazy(() =>
        liveSlackRuntime(
          { ...h.env, SLACK_SIGNING_SECRET: secret },
          { clock: { now: () => new Date(EXAMPLE_TS * 1000) } },
        ),
      ),
    );

  it("accepts Slack's official example signature (then refuses its /webhook-collect command as not ours)", async () => {
    const response = await handlerWith(EXAMPLE_SECRET)(exampleEvent);
    expect(response.statusCode).toBe(400);
    expect(h.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('rejects the same example with the secret cut short, as some public copies print it', async () => {
    const response = await handlerWith(EXAMPLE_SECRET.slice(0, -1))(exampleEvent);
    expect(response.statusCode).toBe(401);
  });

  it('rejects a tampered body with 401 and starts nothing', async () => {
    const event = slashCommandEvent({
      secret: TEST_SIGNING_SECRET,
      text: 'grant user:alice developer',
      userId: REQUESTER,
    });
    const tampered = { ...event, body: String(event.body).replace('developer', 'admin') };
    expect((await h.handler(tampered)).statusCode).toBe(401);
    expect(h.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it.each([
    ['6 minutes old', -360],
    ['6 minutes in the future', 360],
  ])('rejects a timestamp %s with 401', async (_label, offset) => {
    const response = await slash('grant user:alice developer', { nowSeconds: now() + offset });
    expect(response.statusCode).toBe(401);
    expect(h.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('decodes a base64 body as UTF-8, so non-ASCII text survives into the request', async () => {
    const response = await slash('grant user:alice developer because café ☕ für Zoë', { base64: true });
    expect(response.statusCode).toBe(200);
    const request = await h.onlyRequest();
    expect(request.command).toMatchObject({ reason: 'café ☕ für Zoë' });
  });

  it('answers a signed body that is not a Slack payload with 400', async () => {
    const response = await h.handler(
      rawSignedEvent({ secret: TEST_SIGNING_SECRET, body: 'payload=%7Bnot-json' }),
    );
    expect(response.statusCode).toBe(400);
  });
});

describe('the slack handler: commands', () => {
  it('answers malformed command text with an ephemeral usage message and starts nothing', async () => {
    const response = await slash('grant alice superuser');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining('`alice` is not a target'),
    });
    expect(h.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('explains the grammar for help', async () => {
    expect(ackText(await slash('help'))).toContain('grant <target> <tier>');
  });

  it('tells the requester how to name an IAM user that does not exist', async () => {
    const text = ackText(await slash('grant user:mallory developer'));
    expect(text).toContain('There is no IAM user named `mallory`');
    expect(h.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('resolves a Slack mention to the IAM user named by the email local part (email mapping)', async () => {
    await slash(`grant <@${ALICE}|alice> developer`);
    const request = await h.onlyRequest();
    expect(request.target).toEqual({
      kind: 'user',
      name: 'alice',
      arn: 'arn:aws:iam::111122223333:user/alice',
      slackUserId: ALICE,
    });
  });

  it('prefers the IAM user named exactly as the email', async () => {
    h.iam.addUser('alice@example.com');
    await slash(`grant <@${ALICE}|alice> developer`);
    expect((await h.onlyRequest()).target.name).toBe('alice@example.com');
  });

  it('resolves a Slack mention through the SlackUserId tag when IAM_USER_MAPPING=tag', async () => {
    await h.stop();
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    h.iam.addUser('alice');
    h.iam.addUser('a.chen', [], { SlackUserId: ALICE });
    // The index is built by the refresh function, never on the Slack path.
    await expect(refreshTick(h)).resolves.toEqual({ taggedUsers: 1, why: 'never indexed' });
    await slash(`grant <@${ALICE}|alice> developer`);
    expect((await h.onlyRequest()).target).toMatchObject({ name: 'a.chen', slackUserId: ALICE });
  });

  it('refuses to guess when two IAM users carry the same SlackUserId tag', async () => {
    await h.stop();
    h = await startHarness({ IAM_USER_MAPPING: 'tag' });
    h.iam.addUser('a.chen', [], { SlackUserId: ALICE });
    h.iam.addUser('alice.old', [], { SlackUserId: ALICE });
    await refreshTick(h);
    const text = ackText(await slash(`grant <@${ALICE}|alice> developer`));
    expect(text).toContain(
      `IAM users \`a.chen\` and \`alice.old\` all carry \`SlackUserId=${ALICE}\`, so I will not pick one`,
    );
    expect(h.sfn.calls()).toHaveLength(0);
  });

  it('tells the requester to use user:NAME when a mention resolves to no IAM user', async () => {
    const text = ackText(await slash(`grant <@${OUTSIDER}|outsider> developer`));
    expect(text).toContain('No IAM user is named `outsider@example.com` or `outsider`');
    expect(text).toContain('user:NAME');
  });

  it('starts nothing new when the same slash command is replayed', async () => {
    const event = slashCommandEvent({
      secret: TEST_SIGNING_SECRET,
      text: 'grant user:alice developer',
      userId: REQUESTER,
    });
    await h.handler(event);
    const replay = await h.handler(event);
    const request = await h.onlyRequest();
    expect(ackText(replay)).toContain(`Request ${request.requestId} was already received`);
    expect(h.workflow.run(request.requestId)).toBeDefined();
  });
});

describe('the slack handler: approval clicks', () => {
  const pendingRequest = async () => {
    await slash('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    return requestId;
  };

  it('refuses a click by someone who is not an approver, and changes nothing', async () => {
    const requestId = await pendingRequest();
    expect((await click(requestId, OUTSIDER)).statusCode).toBe(200);
    expect(lastEphemeralFor(OUTSIDER)).toContain('Only configured approvers');
    expect((await h.store.get(requestId))?.status).toBe('awaiting_approval');
    expect(h.workflow.isWaiting(requestId)).toBe(true);
  });

  it('refuses a click by the requester, even if they are an approver', async () => {
    h = await (async () => {
      await h.stop();
      return startHarness({ APPROVER_USER_IDS: `${REQUESTER},${APPROVER_1}` });
    })();
    h.iam.addUser('alice');
    const requestId = await pendingRequest();
    await click(requestId, REQUESTER);
    expect(lastEphemeralFor(REQUESTER)).toContain('you cannot decide it');
    expect((await h.store.get(requestId))?.approvals).toEqual([]);
  });

  it('tells a second clicker who already approved, and applies once', async () => {
    const requestId = await pendingRequest();
    await click(requestId, APPROVER_1);
    await click(requestId, APPROVER_2);
    expect(lastEphemeralFor(APPROVER_2)).toBe(`Already approved by <@${APPROVER_1}>.`);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    const request = await h.store.get(requestId);
    expect(request?.events.filter((e) => e.type === 'applied')).toHaveLength(1);
  });

  it('answers a button whose value is not a request id without touching anything', async () => {
    await click('REQ-../../etc', APPROVER_1);
    expect(lastEphemeralFor(APPROVER_1)).toContain('does not belong to a request I know');
  });

  it('answers an unknown request id', async () => {
    await click('REQ-0000000000', APPROVER_1);
    expect(lastEphemeralFor(APPROVER_1)).toBe('I have no request REQ-0000000000; nothing was changed.');
  });
});
