import type { SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { MAX_DENY_REASON } from '../../../src/slack/blocks/deny-modal';
import { ACTION_IDS, DENY_MODAL } from '../../../src/slack/ids';
import { denyReasonSubmission } from '../../../src/slack/listeners/views/deny-reason';
import { APPROVER_1, type Harness, startHarness } from '../../helpers/harness';
import { viewSubmissionPayload } from '../../helpers/signed-event';
import { fakeAck, pendingRequest, taskSuccesses } from './listener-kit';

/** The deny modal's submission listener called directly with Bolt's `body`/`view` and a fake `ack`. */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.stop());

async function submitReason(requestId: string, reason: string) {
  const body = viewSubmissionPayload({
    callbackId: DENY_MODAL.callbackId,
    privateMetadata: requestId,
    userId: APPROVER_1,
    values: {
      [DENY_MODAL.reasonBlockId]: {
        [DENY_MODAL.reasonActionId]: { type: 'plain_text_input', value: reason },
      },
    },
  });
  const ack = fakeAck<SlackViewMiddlewareArgs<ViewSubmitAction>['ack']>();
  await denyReasonSubmission(h.listenerDeps(), { ack, body, view: body.view });
  return ack;
}

describe('denyReasonSubmission (called directly)', () => {
  it('keeps the modal open with an error on the reason field when the reason is too short', async () => {
    const { requestId } = await pendingRequest(h);
    const ack = await submitReason(requestId, 'no');

    expect(ack).toHaveBeenCalledWith({
      response_action: 'errors',
      errors: { [DENY_MODAL.reasonBlockId]: `Give a reason of 3 to ${MAX_DENY_REASON} characters.` },
    });
    expect(taskSuccesses(h)).toEqual([]);
    expect((await h.store.get(requestId))?.status).toBe('awaiting_approval');
  });

  it('closes the modal, hands the denial to the run and shows it on the card with the reason', async () => {
    const { requestId, cardTs } = await pendingRequest(h);
    const ack = await submitReason(requestId, 'not during the freeze');

    expect(ack).toHaveBeenCalledTimes(1);
    expect(ack).toHaveBeenCalledWith();
    expect(taskSuccesses(h)).toEqual([
      { taskToken: expect.any(String), output: { outcome: 'denied', by: [APPROVER_1] } },
    ]);
    const update = h.slack.callsTo('chat.update').at(-1)?.args;
    expect(update).toMatchObject({ channel: 'C0AUDIT', ts: cardTs });
    expect(JSON.stringify(update?.blocks)).not.toContain(ACTION_IDS.deny);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect((await h.store.get(requestId))?.events.find((event) => event.type === 'denied')?.text).toBe(
      `:no_entry: Denied by <@${APPROVER_1}>. Reason: not during the freeze`,
    );
  });
});
