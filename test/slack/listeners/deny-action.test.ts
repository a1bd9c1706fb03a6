import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ACTION_IDS, DENY_MODAL } from '../../../src/slack/ids';
import { denyAction } from '../../../src/slack/listeners/actions/deny';
import { APPROVER_1, type Harness, OUTSIDER, startHarness } from '../../helpers/harness';
import { blockActionPayload } from '../../helpers/signed-event';
import { fakeAck, pendingRequest, taskSuccesses } from './listener-kit';

/** The Deny button's listener called directly with Bolt's `body`/`action` and a fake `ack`. */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.stop());

async function clickDeny(requestId: string, userId: string, cardTs: string) {
  const body = blockActionPayload({ actionId: ACTION_IDS.deny, value: requestId, userId, messageTs: cardTs });
  const action = body.actions[0];
  if (!action) throw new Error('the payload has no action');
  const ack = fakeAck<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>['ack']>();
  await denyAction(h.listenerDeps(), { ack, body, action });
  return { ack, body };
}

describe('denyAction (called directly)', () => {
  it("acks at once and opens the reason modal on the click's trigger, deciding nothing yet", async () => {
    const { requestId, cardTs } = await pendingRequest(h);
    const { ack, body } = await clickDeny(requestId, APPROVER_1, cardTs);

    expect(ack).toHaveBeenCalledTimes(1);
    expect(ack).toHaveBeenCalledWith();
    expect(h.slack.callsTo('views.open')).toEqual([
      expect.objectContaining({
        args: expect.objectContaining({
          trigger_id: body.trigger_id,
          view: expect.objectContaining({ callback_id: DENY_MODAL.callbackId, private_metadata: requestId }),
        }),
      }),
    ]);
    expect(taskSuccesses(h)).toEqual([]);
    expect((await h.store.get(requestId))?.status).toBe('awaiting_approval');
  });

  it('tells a clicker who is not an approver, and only them, without opening the modal', async () => {
    const { requestId, cardTs } = await pendingRequest(h);
    const { ack } = await clickDeny(requestId, OUTSIDER, cardTs);

    expect(ack).toHaveBeenCalledWith();
    expect(h.slack.callsTo('views.open')).toEqual([]);
    expect(h.slack.ephemerals.at(-1)).toMatchObject({
      channel: 'C0AUDIT',
      user: OUTSIDER,
      text: expect.stringMatching(/approver/i),
    });
    expect(taskSuccesses(h)).toEqual([]);
  });
});
