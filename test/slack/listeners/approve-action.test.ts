import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ACTION_IDS } from '../../../src/slack/ids';
import { approveAction } from '../../../src/slack/listeners/actions/approve';
import { APPROVER_1, type Harness, REQUESTER, startHarness } from '../../helpers/harness';
import { blockActionPayload } from '../../helpers/signed-event';
import { fakeAck, pendingRequest, taskSuccesses } from './listener-kit';

/** The Approve button's listener called directly with Bolt's `body`/`action` and a fake `ack`. */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.stop());

async function clickApprove(requestId: string, userId: string, cardTs: string) {
  const body = blockActionPayload({
    actionId: ACTION_IDS.approve,
    value: requestId,
    userId,
    messageTs: cardTs,
  });
  const action = body.actions[0];
  if (!action) throw new Error('the payload has no action');
  const ack = fakeAck<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>['ack']>();
  await approveAction(h.listenerDeps(), { ack, body, action });
  return ack;
}

describe('approveAction (called directly)', () => {
  it('acks at once, hands the approval to the run, and replaces the buttons on the card', async () => {
    const { requestId, cardTs } = await pendingRequest(h);
    const ack = await clickApprove(requestId, APPROVER_1, cardTs);

    expect(ack).toHaveBeenCalledTimes(1);
    expect(ack).toHaveBeenCalledWith();
    expect(taskSuccesses(h)).toEqual([
      { taskToken: expect.any(String), output: { outcome: 'approved', by: [APPROVER_1] } },
    ]);
    const update = h.slack.callsTo('chat.update').at(-1)?.args;
    expect(update).toMatchObject({ channel: 'C0AUDIT', ts: cardTs });
    expect(JSON.stringify(update?.blocks)).not.toContain(ACTION_IDS.approve);
    expect(JSON.stringify(update?.blocks)).toContain(`Approved by <@${APPROVER_1}>`);
    expect(h.slack.ephemerals.at(-1)).toMatchObject({ channel: 'C0AUDIT', user: APPROVER_1 });
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });

  it("refuses the requester's own approval: only the requester is told, the run and the card are untouched", async () => {
    const { requestId, cardTs } = await pendingRequest(h);
    const updatesBefore = h.slack.callsTo('chat.update').length;
    const ack = await clickApprove(requestId, REQUESTER, cardTs);

    expect(ack).toHaveBeenCalledWith();
    expect(taskSuccesses(h)).toEqual([]);
    expect(h.slack.callsTo('chat.update')).toHaveLength(updatesBefore);
    expect(h.slack.ephemerals.at(-1)).toMatchObject({
      channel: 'C0AUDIT',
      user: REQUESTER,
      text: 'You asked for this change, so you cannot decide it. Another approver has to.',
    });
    expect((await h.store.get(requestId))?.status).toBe('awaiting_approval');
  });
});
