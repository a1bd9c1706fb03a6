import { remindApprovers } from '../../src/domain/remind-approvers';
import { ACTION_IDS } from '../../src/slack/ids';
import { liveReminderDeps } from '../../src/wiring';
import { viewViolations } from '../helpers/block-kit-limits';
import { APPROVER_1, ackText, type Harness, REQUESTER, startHarness } from '../helpers/harness';

// Every line that lets someone act on a request names its AWS account exactly as the card does: the
// approver's "Waiting for your approval" list and DM, the requester's Home lines and "received" answer.
// Signed slash commands and app_home_opened events into the slack handler, the real ASL, a sandbox
// organization with a prod member account.

const PROD = '777788889999';
const HUB = '111122223333';
const PROD_TAG = `[prod · ${PROD}]`;

let h: Harness;
afterEach(async () => h.stop());

type Block = { type: string; block_id?: string; text?: { text: string } };

/** The viewer's Home tab as Slack holds it after a signed app_home_opened, within Block Kit limits. */
async function homeOf(userId: string): Promise<Block[]> {
  expect((await h.homeOpened(userId)).statusCode).toBe(200);
  const view = h.slack.state.homeOf(userId)?.view as { type: 'home'; blocks: Block[] } | undefined;
  if (!view) throw new Error(`no Home tab published for ${userId}`);
  expect(viewViolations(view)).toEqual([]);
  return view.blocks;
}

/** The section text that names this request on a Home tab. */
const lineFor = (blocks: Block[], requestId: string): string =>
  blocks.find((block) => block.type === 'section' && block.text?.text.includes(requestId))?.text?.text ?? '';

async function pending(text: string): Promise<{ requestId: string; ack: string }> {
  const ack = ackText(await h.slash(text));
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  return { requestId, ack };
}

/** The card's own first line of text and its first thread reply: what the Home lines must match. */
async function cardAndThread(requestId: string): Promise<{ card: string; firstReply: string }> {
  const request = await h.store.get(requestId);
  const card = h.slack.messages.find((m) => m.ts === request?.card?.ts && !m.threadTs);
  return {
    card: card?.text ?? '',
    firstReply: h.slack.thread(request?.card?.ts ?? '')[0]?.text ?? '',
  };
}

describe('in an organization, every Home line, DM and answer names the account as the card does', () => {
  beforeEach(async () => {
    h = await startHarness({}, { members: { prod: PROD } });
    h.members.prod?.addUser('alice');
  });

  it('a prod request: the received answer, the requester’s pending line, the approver’s waiting line and DM all begin with [prod · id]', async () => {
    const { requestId, ack } = await pending('grant user:alice developer in prod because release');
    const { card, firstReply } = await cardAndThread(requestId);
    expect(card.startsWith(`${PROD_TAG} `)).toBe(true);
    expect(firstReply.startsWith(`${PROD_TAG} `)).toBe(true);

    expect(ack).toMatch(new RegExp(`^\\[prod · ${PROD}\\] Request ${requestId} received: `));
    expect(lineFor(await homeOf(REQUESTER), requestId)).toMatch(
      new RegExp(`^\\[prod · ${PROD}\\] \\*grant developer for user:alice[^*]*\\* \\(${requestId}\\)\\n`),
    );
    const approverLine = lineFor(await homeOf(APPROVER_1), requestId);
    expect(approverLine).toMatch(
      new RegExp(`^\\[prod · ${PROD}\\] <@${REQUESTER}> asks to \\*grant developer for user:alice`),
    );
    const dm = h.slack.directMessagesTo(APPROVER_1).at(-1);
    expect(dm?.text).toBe(`${PROD_TAG} Approval needed: ${requestId} by <@${REQUESTER}>`);
    expect(JSON.stringify(dm?.blocks)).toContain(
      `*Your approval is needed.* ${PROD_TAG} <@${REQUESTER}> asks to *grant developer for user:alice`,
    );
  });

  it('a grant in effect: the requester’s "Your access" line begins with [prod · id]', async () => {
    await h.stop();
    h = await startHarness(
      {},
      { members: { prod: PROD }, waits: { 'Hold until the reminder': 60_000, 'Hold until expiry': 60_000 } },
    );
    h.members.prod?.addUser('alice');
    const { requestId } = await pending('grant user:alice developer in prod for 2h because release');
    await h.click(requestId, APPROVER_1);
    for (let i = 0; i < 400 && (await h.store.get(requestId))?.status !== 'active'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    const blocks = await homeOf(REQUESTER);
    expect(lineFor(blocks, requestId)).toMatch(
      new RegExp(`^\\[prod · ${PROD}\\] \\*grant developer for user:alice\\* \\(${requestId}\\)\\nEnds `),
    );
    expect(JSON.stringify(blocks)).toContain(ACTION_IDS.relinquish);
  });

  it('the scheduled approver reminder (live wiring) begins with [prod · id] too', async () => {
    const { requestId } = await pending('grant user:alice developer in prod because release');
    const created = Date.parse((await h.store.get(requestId))?.createdAt ?? '');
    const live = await liveReminderDeps({ ...h.env, APPROVER_REMINDER_SECONDS: '60' });
    const later = { now: () => new Date(created + 61_000) };

    await expect(remindApprovers({ ...live, clock: later })).resolves.toEqual({ reminded: [requestId] });

    const reminder = h.slack.directMessagesTo(APPROVER_1).at(-1);
    expect(reminder?.text).toBe(`${PROD_TAG} Reminder: ${requestId} still waits for approval`);
    expect(JSON.stringify(reminder?.blocks)).toContain(`${PROD_TAG} <@${REQUESTER}> asks to`);
  });

  it('a request without `in` works in the hub, and its lines say [hub · id] as its card does', async () => {
    h.iam.addUser('alice');
    const { requestId, ack } = await pending('grant user:alice developer because release');
    expect((await cardAndThread(requestId)).card.startsWith(`[hub · ${HUB}] `)).toBe(true);

    expect(ack.startsWith(`[hub · ${HUB}] Request ${requestId} received`)).toBe(true);
    expect(lineFor(await homeOf(APPROVER_1), requestId).startsWith(`[hub · ${HUB}] <@${REQUESTER}>`)).toBe(
      true,
    );
  });
});

describe('with only the hub configured, nothing names an account, as on the card', () => {
  beforeEach(async () => {
    h = await startHarness();
    h.iam.addUser('alice');
  });

  it('the card, the answer, both Home lines and the DM start as before, without a tag', async () => {
    const { requestId, ack } = await pending('grant user:alice developer because release');
    const { card } = await cardAndThread(requestId);
    expect(card.startsWith(`CodeBuild access request ${requestId}`)).toBe(true);

    expect(ack.startsWith(`Request ${requestId} received: `)).toBe(true);
    expect(lineFor(await homeOf(REQUESTER), requestId).startsWith('*grant developer for user:alice')).toBe(
      true,
    );
    expect(lineFor(await homeOf(APPROVER_1), requestId).startsWith(`<@${REQUESTER}> asks to *grant`)).toBe(
      true,
    );
    expect(h.slack.directMessagesTo(APPROVER_1).at(-1)?.text).toBe(
      `Approval needed: ${requestId} by <@${REQUESTER}>`,
    );
  });
});
