import { POLICY_ARNS } from '../../src/domain/tiers';
import { ACTION_IDS } from '../../src/slack/ids';
import {
  ALICE,
  APPROVER_1,
  ackText,
  type Harness,
  OUTSIDER,
  REQUESTER,
  startHarness,
} from '../helpers/harness';

let h: Harness;
afterEach(async () => h.stop());

const DEVELOPER = [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort();

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function pendingRequest(text: string): Promise<{ requestId: string; ack: { body: string } }> {
  const ack = await h.slash(text);
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  return { requestId, ack };
}

const card = async (requestId: string) => {
  const request = await h.store.get(requestId);
  return h.slack.messages.find((m) => m.ts === request?.card?.ts && !m.threadTs);
};
const threadText = async (requestId: string): Promise<string> => {
  const request = await h.store.get(requestId);
  return h.slack
    .thread(request?.card?.ts ?? '')
    .map((m) => m.text)
    .join('\n');
};
const lastEphemeralTo = (userId: string): string =>
  h.slack.ephemerals.filter((e) => e.user === userId).at(-1)?.text ?? '';

describe('cancel: the requester withdraws a pending request', () => {
  beforeEach(async () => {
    h = await startHarness();
    h.iam.addUser('alice');
  });

  it('the ack carries a Cancel button; the requester’s click ends the run without applying, and the card and thread say so', async () => {
    const { requestId, ack } = await pendingRequest('grant user:alice developer because builds');
    const body = JSON.parse(ack.body) as { blocks?: unknown[] };
    expect(JSON.stringify(body.blocks)).toContain(`"action_id":"${ACTION_IDS.cancel}"`);
    expect(JSON.stringify(body.blocks)).toContain(`"value":"${requestId}"`);

    await h.click(requestId, REQUESTER, { actionId: ACTION_IDS.cancel });
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const request = await h.store.get(requestId);
    expect(request?.status).toBe('cancelled');
    expect(request?.decision).toMatchObject({ outcome: 'cancelled', by: [REQUESTER] });
    expect(request?.events.map((e) => e.type)).toEqual(['requested', 'cancelled']);
    expect(h.iam.attached('user', 'alice')).toEqual([]);
    const blocks = JSON.stringify((await card(requestId))?.blocks);
    expect(blocks).toContain(`Cancelled by <@${REQUESTER}>`);
    expect(blocks).not.toContain(ACTION_IDS.approve);
    expect(blocks).not.toContain(ACTION_IDS.deny);
    expect(await threadText(requestId)).toContain(
      `:wastebasket: Cancelled by <@${REQUESTER}>; nothing was changed.`,
    );
    expect(lastEphemeralTo(REQUESTER)).toBe(`${requestId} is cancelled. Nothing will be changed.`);
  });

  it('`cancel REQ-…` typed by the requester does the same', async () => {
    const { requestId } = await pendingRequest('grant user:alice developer');
    const answer = ackText(await h.slash(`cancel ${requestId.toLowerCase()}`));
    expect(answer).toBe(`${requestId} is cancelled. Nothing will be changed.`);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect((await h.store.get(requestId))?.status).toBe('cancelled');
    expect(JSON.stringify((await card(requestId))?.blocks)).toContain(`Cancelled by <@${REQUESTER}>`);
  });

  it('refuses anyone but the requester, with a clear answer, and the request stays pending', async () => {
    const { requestId } = await pendingRequest('grant user:alice developer');
    await h.click(requestId, OUTSIDER, { actionId: ACTION_IDS.cancel });
    expect(lastEphemeralTo(OUTSIDER)).toBe(
      `Only <@${REQUESTER}>, who asked for ${requestId}, can cancel it. Nothing was changed.`,
    );
    const typed = ackText(await h.slash(`cancel ${requestId}`, { userId: APPROVER_1 }));
    expect(typed).toContain(`Only <@${REQUESTER}>, who asked for ${requestId}, can cancel it.`);
    expect((await h.store.get(requestId))?.status).toBe('awaiting_approval');
    expect(h.workflow.isWaiting(requestId)).toBe(true);
  });

  it('refuses once the request is approved', async () => {
    const { requestId } = await pendingRequest('grant user:alice developer');
    await h.click(requestId, APPROVER_1);
    await h.finished(requestId);
    const answer = ackText(await h.slash(`cancel ${requestId}`));
    expect(answer).toBe(`${requestId} can no longer be cancelled. Already approved by <@${APPROVER_1}>.`);
    expect(h.iam.attached('user', 'alice')).toEqual(DEVELOPER);
  });

  it('a Cancel and an Approve at the same moment: exactly one wins, and a cancelled request applies nothing', async () => {
    const { requestId } = await pendingRequest('grant user:alice developer');
    await Promise.all([
      h.click(requestId, REQUESTER, { actionId: ACTION_IDS.cancel }),
      h.click(requestId, APPROVER_1),
    ]);
    await h.finished(requestId);
    const request = await h.store.get(requestId);
    if (request?.status === 'cancelled') {
      expect(h.iam.attached('user', 'alice')).toEqual([]);
      expect(request.events.map((e) => e.type)).not.toContain('approved');
    } else {
      expect(request?.decision?.outcome).toBe('approved');
      expect(h.iam.attached('user', 'alice')).toEqual(DEVELOPER);
      expect(request?.events.map((e) => e.type)).not.toContain('cancelled');
    }
  });

  it('answers a malformed id with the grammar', async () => {
    h.iam.addUser('bob');
    expect(ackText(await h.slash('cancel 42'))).toContain('`42` is not a request id');
    expect(ackText(await h.slash('cancel'))).toContain('`cancel` takes one request id');
  });
});

describe('relinquish: the holder gives a time-bound grant up early', () => {
  beforeEach(async () => {
    // The holds last (a minute each) so the grant is in effect while the test acts on it.
    h = await startHarness({}, { waits: { 'Hold until the reminder': 60_000, 'Hold until expiry': 60_000 } });
    h.iam.addUser('alice');
  });

  async function heldGrant(text: string): Promise<string> {
    const { requestId } = await pendingRequest(text);
    await h.click(requestId, APPROVER_1);
    await until('the grant to be held', async () => {
      const request = await h.store.get(requestId);
      return (
        request?.status === 'active' && request.holdToken !== undefined && h.workflow.isWaiting(requestId)
      );
    });
    return requestId;
  }

  it('the target’s Relinquish click removes the access at once and ends the run; card and thread say so', async () => {
    const requestId = await heldGrant(`grant <@${ALICE}|alice> developer for 8h`);
    expect(h.iam.attached('user', 'alice')).toEqual(DEVELOPER);
    expect(JSON.stringify((await card(requestId))?.blocks)).toContain(
      `"action_id":"${ACTION_IDS.relinquish}"`,
    );

    await h.click(requestId, ALICE, { actionId: ACTION_IDS.relinquish });
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(h.iam.attached('user', 'alice')).toEqual([]);
    const request = await h.store.get(requestId);
    expect(request?.status).toBe('relinquished');
    expect(request?.relinquishedBy).toBe(ALICE);
    expect(lastEphemeralTo(ALICE)).toContain(`${requestId} is relinquished`);
    const thread = await threadText(requestId);
    expect(thread).toContain(
      `:leftwards_arrow_with_hook: Relinquished by <@${ALICE}>; the access is being removed now.`,
    );
    expect(thread).toContain(`Relinquished by <@${ALICE}> before its time limit`);
    expect(thread).toContain('• revoked: detach AWSCodeBuildDeveloperAccess from user alice');
    const blocks = JSON.stringify((await card(requestId))?.blocks);
    expect(blocks).toContain(`Status: relinquished early by <@${ALICE}>; the access was revoked.`);
    expect(blocks).not.toContain(ACTION_IDS.relinquish);
  });

  it('`relinquish REQ-…` by the requester works the same way', async () => {
    const requestId = await heldGrant('grant user:alice developer for 2h');
    const answer = ackText(await h.slash(`relinquish ${requestId}`));
    expect(answer).toContain(`${requestId} is relinquished`);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.iam.attached('user', 'alice')).toEqual([]);
  });

  it('refuses someone who neither holds nor asked for the grant, and the access stays', async () => {
    const requestId = await heldGrant('grant user:alice developer for 8h');
    await h.click(requestId, OUTSIDER, { actionId: ACTION_IDS.relinquish });
    expect(lastEphemeralTo(OUTSIDER)).toBe(
      `Only the person who holds the access of ${requestId}, or <@${REQUESTER}> who asked for it, can relinquish it. Nothing was changed.`,
    );
    expect(h.iam.attached('user', 'alice')).toEqual(DEVELOPER);
    expect((await h.store.get(requestId))?.status).toBe('active');
    expect(h.workflow.isWaiting(requestId)).toBe(true);
  });

  it('refuses a permanent grant, pointing at revoke', async () => {
    const { requestId } = await pendingRequest('grant user:alice developer');
    await h.click(requestId, APPROVER_1);
    await h.finished(requestId);
    const answer = ackText(await h.slash(`relinquish ${requestId}`));
    expect(answer).toBe(
      `${requestId} is a permanent grant: it has no time limit to end early. To remove it, ask for \`revoke\` of the same target and tier (an approver decides). Nothing was changed.`,
    );
    expect(h.iam.attached('user', 'alice')).toEqual(DEVELOPER);
  });
});
