import { ACTION_IDS, DENY_MODAL } from '../../src/slack/ids';
import { APPROVER_1, AUDIT_CHANNEL, type Harness, startHarness } from '../helpers/harness';
import { TEST_SIGNING_SECRET, viewSubmissionEvent } from '../helpers/signed-event';

// User text reaches Slack in a command's reason and a Deny modal's reason. Modal values arrive raw
// (Slack escapes nothing in them), so "<!channel|<!here>>" would ping the audit channel if posted as is.

const PING = /<!(?:here|channel|everyone|group|subteam\^)/i;

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.iam.addUser('alice');
});
afterEach(async () => h.stop());

it('posts a deny reason and a command reason with broadcasts as plain text, everywhere they appear', async () => {
  const ack = await h.slash('grant user:alice developer because <!here> urgent');
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  await h.click(requestId, APPROVER_1, { actionId: ACTION_IDS.deny });

  const submitted = await h.handler(
    viewSubmissionEvent({
      secret: TEST_SIGNING_SECRET,
      callbackId: DENY_MODAL.callbackId,
      privateMetadata: requestId,
      userId: APPROVER_1,
      values: {
        [DENY_MODAL.reasonBlockId]: {
          [DENY_MODAL.reasonActionId]: { type: 'plain_text_input', value: 'freeze <!channel|<!here>> now' },
        },
      },
    }),
  );
  expect(submitted.statusCode).toBe(200);
  await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

  const card = (await h.store.get(requestId))?.card;
  const thread = h.slack.thread(card?.ts ?? '').map((m) => m.text);
  expect(thread).toContain(`:no_entry: Denied by <@${APPROVER_1}>. Reason: freeze @&lt;!here> now`);
  const cardNow = h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && m.ts === card?.ts);
  expect(JSON.stringify(cardNow?.blocks)).toContain(`Denied by <@${APPROVER_1}>: freeze @&lt;!here> now`);
  expect(JSON.stringify(cardNow?.blocks)).toContain('*Reason*\\n@here urgent');
  // Nothing the bot sent to Slack, nor its answer to the command, can ping.
  for (const call of h.slack.calls) expect(JSON.stringify(call.args)).not.toMatch(PING);
  expect(ack.body).not.toMatch(PING);
});
