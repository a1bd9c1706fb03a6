import { WebClient } from '@slack/web-api';
import { remindApprovers } from '../../src/domain/remind-approvers';
import { slackWording } from '../../src/slack/blocks/wording';
import { ACTION_IDS } from '../../src/slack/ids';
import { SlackWebApi } from '../../src/slack/web-api';
import {
  APPROVER_1,
  APPROVER_2,
  AUDIT_CHANNEL,
  type Harness,
  OUTSIDER,
  REQUESTER,
  startHarness,
} from '../helpers/harness';
import { homeClick as clickOnHome } from '../helpers/home-click';
import { slackError, TEST_BOT_TOKEN } from '../helpers/local-slack';
import { rawSignedEvent, TEST_SIGNING_SECRET } from '../helpers/signed-event';

// DMs and the Home tab through the real entry points: signed Events API bodies into the slack handler,
// the real ASL with the real tasks, dynalite, and the local workspace's Slack Web API.

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  h.iam.addUser('alice');
});
afterEach(async () => h.stop());

const signedJson = (body: unknown) =>
  h.handler(
    rawSignedEvent({
      secret: TEST_SIGNING_SECRET,
      body: JSON.stringify(body),
      contentType: 'application/json',
    }),
  );

const homeOpened = (userId: string) => h.homeOpened(userId);

/** A click on an Approve/Deny button of the Home tab (its block is `decide:<id>`, as home-view builds it). */
const homeClick = (userId: string, actionId: string, requestId: string) =>
  clickOnHome(h, userId, actionId, requestId, `decide:${requestId}`);

const homeOf = (userId: string) =>
  h.slack.state.homeOf(userId)?.view as { blocks: Array<Record<string, unknown>> };
const homeJson = (userId: string) => JSON.stringify(homeOf(userId)?.blocks ?? []);
const dms = (userId: string) =>
  h.slack.directMessagesTo(userId).map((m) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`);

async function pendingGrant(): Promise<string> {
  await h.slash('grant user:alice developer because release week');
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  return requestId;
}

describe('the Events API at the slack handler', () => {
  it('answers the url_verification challenge (a signed JSON body)', async () => {
    const response = await signedJson({ token: 't', challenge: 'abc123challenge', type: 'url_verification' });

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ challenge: 'abc123challenge' });
  });

  it.each([
    [
      'an event it does not subscribe to',
      { type: 'event_callback', event: { type: 'message', user: REQUESTER } },
    ],
    ['a challenge without its value', { type: 'url_verification' }],
    ['an event without a user', { type: 'event_callback', event: { type: 'app_home_opened' } }],
  ])('refuses %s with 400 before Bolt sees it', async (_what, body) => {
    expect((await signedJson(body)).statusCode).toBe(400);
  });
});

describe('the Home tab', () => {
  it('shows the requester their pending request with a Cancel button, and the rules', async () => {
    const requestId = await pendingGrant();

    expect((await homeOpened(REQUESTER)).statusCode).toBe(200);

    const home = homeJson(REQUESTER);
    expect(home).toContain('Your pending requests');
    expect(home).toContain(requestId);
    expect(home).toContain(ACTION_IDS.cancel);
    expect(home).toContain('Rules that apply to you');
    // The requester is not an approver: no Approve button for anything.
    expect(home).not.toContain(ACTION_IDS.approve);
  });

  it("shows an approver the request waiting for them with the card's Approve and Deny action ids", async () => {
    const requestId = await pendingGrant();

    await homeOpened(APPROVER_1);

    const blocks = homeOf(APPROVER_1).blocks;
    const actions = blocks.find(
      (block) => block.type === 'actions' && String(block.block_id).includes(requestId),
    );
    expect(actions).toMatchObject({
      elements: [
        { action_id: ACTION_IDS.approve, value: requestId },
        { action_id: ACTION_IDS.deny, value: requestId },
      ],
    });
    expect(blocks.length).toBeLessThanOrEqual(100);
  });

  it('is published for the approvers when the card is posted, without anyone opening it', async () => {
    const requestId = await pendingGrant();

    expect(homeJson(APPROVER_2)).toContain(requestId);
  });

  it('refuses an Approve from the Home tab by someone who may not approve, exactly as on the card', async () => {
    const requestId = await pendingGrant();

    expect((await homeClick(OUTSIDER, ACTION_IDS.approve, requestId)).statusCode).toBe(200);

    expect((await h.store.get(requestId))?.status).toBe('awaiting_approval');
    expect((await h.store.get(requestId))?.approvals).toEqual([]);
    // The answer is shown where the click was made: on top of the clicker's Home tab.
    expect(homeJson(OUTSIDER)).toContain('Only configured approvers can decide CodeBuild access requests.');
  });

  it('refuses an Approve from the Home tab by the requester themselves', async () => {
    const requestId = await pendingGrant();

    await homeClick(REQUESTER, ACTION_IDS.approve, requestId);

    expect((await h.store.get(requestId))?.approvals).toEqual([]);
  });

  it('counts an Approve from the Home tab by an approver: the change is applied and the requester is told by DM', async () => {
    const requestId = await pendingGrant();

    await homeClick(APPROVER_1, ACTION_IDS.approve, requestId);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect((await h.store.get(requestId))?.status).toBe('completed');
    expect(dms(REQUESTER)).toEqual([
      expect.stringContaining(`was approved by <@${APPROVER_1}>`),
      expect.stringContaining('applied and verified'),
    ]);
    // The tab that showed it waiting no longer does.
    expect(homeJson(APPROVER_2)).not.toContain(`decide:${requestId}`);
  });
});

describe('direct messages', () => {
  it('DMs each approver, never the requester, the card summary and a link to the card', async () => {
    const requestId = await pendingGrant();

    for (const approver of [APPROVER_1, APPROVER_2]) {
      expect(dms(approver)).toEqual([
        expect.stringMatching(new RegExp(`${requestId}[\\s\\S]*Open the approval card`)),
      ]);
    }
    expect(dms(REQUESTER)).toEqual([]);
  });

  it('DMs the requester a denial with its reason', async () => {
    const requestId = await pendingGrant();
    await h.click(requestId, APPROVER_1, { actionId: ACTION_IDS.deny });
    await h.handler(
      rawSignedEvent({
        secret: TEST_SIGNING_SECRET,
        body: new URLSearchParams({
          payload: JSON.stringify({
            type: 'view_submission',
            user: { id: APPROVER_1, username: 'a', name: 'a', team_id: 'T0TEAM' },
            api_app_id: 'A0APP',
            team: { id: 'T0TEAM', domain: 'testteam' },
            view: {
              id: 'V1',
              type: 'modal',
              callback_id: 'deny_reason',
              private_metadata: requestId,
              state: {
                values: { reason: { reason_input: { type: 'plain_text_input', value: 'not this week' } } },
              },
            },
          }),
        }).toString(),
      }),
    );
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(dms(REQUESTER)).toEqual([expect.stringMatching(/denied by <@U0APPROVER1>.*not this week/)]);
  });

  it('a DM Slack refuses fails nothing: the request completes and the thread notes the failed DM', async () => {
    h.slack.respondWith('conversations.open', () => slackError('user_disabled'));
    const requestId = await pendingGrant();

    await h.click(requestId, APPROVER_1);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect((await h.store.get(requestId))?.status).toBe('completed');
    const card = h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && !m.threadTs);
    const thread = h.slack.thread(card!.ts).map((m) => m.text ?? '');
    expect(thread).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`could not send <@${REQUESTER}> a direct message (Slack said user_disabled)`),
      ]),
    );
  });
});

describe('the approver reminder (scheduled, no workflow permission)', () => {
  it('DMs each approver once after APPROVER_REMINDER_SECONDS, and never again', async () => {
    const requestId = await pendingGrant();
    const created = Date.parse((await h.store.get(requestId))!.createdAt);
    const slack = new SlackWebApi(
      new WebClient(TEST_BOT_TOKEN, { slackApiUrl: h.slack.url, retryConfig: { retries: 0 } }),
    );
    const at = (ms: number) => ({ now: () => new Date(ms) });
    const deps = (clockMs: number) => ({
      requests: h.store,
      slack,
      wording: slackWording,
      log: { info() {}, warn() {}, error() {}, startInvocation() {}, appendKeys() {} },
      clock: at(clockMs),
      approverIds: async () => [APPROVER_1, APPROVER_2, REQUESTER],
      reminderSeconds: 14_400,
    });
    const before = dms(APPROVER_1).length;

    await expect(remindApprovers(deps(created + 14_000_000))).resolves.toEqual({ reminded: [] });
    await expect(remindApprovers(deps(created + 14_401_000))).resolves.toEqual({ reminded: [requestId] });
    await expect(remindApprovers(deps(created + 20_000_000))).resolves.toEqual({ reminded: [] });

    expect(dms(APPROVER_1).slice(before)).toEqual([expect.stringContaining('Still waiting for approval')]);
    expect(dms(APPROVER_2).filter((dm) => dm.includes('Still waiting'))).toHaveLength(1);
    expect(dms(REQUESTER).filter((dm) => dm.includes('Still waiting'))).toEqual([]);
    expect((await h.store.get(requestId))?.approversRemindedAt).toBe(
      new Date(created + 14_401_000).toISOString(),
    );
  });
});
