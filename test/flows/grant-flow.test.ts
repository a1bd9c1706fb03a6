import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { ACTION_IDS, DENY_MODAL } from '../../src/slack/ids';
import { APPROVER_1, AUDIT_CHANNEL, type Harness, startHarness } from '../helpers/harness';
import { TEST_SIGNING_SECRET, viewSubmissionEvent } from '../helpers/signed-event';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  h.iam.addUser('alice');
});
afterEach(async () => h.stop());

const grant = (text: string) => h.slash(text);
const click = (requestId: string, userId: string, actionId: string = ACTION_IDS.approve) =>
  h.click(requestId, userId, { actionId });

describe('grant flow, end to end through the slack handler and the real ASL', () => {
  it('starts one execution named after the request and acks with the request id', async () => {
    const response = await grant('grant user:alice developer because on-call for builds');
    expect(response.statusCode).toBe(200);
    const request = await h.onlyRequest();
    expect(JSON.parse(response.body)).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining(`Request ${request.requestId} received`),
      // The same text, and the requester's Cancel button (test/flows/lifecycle.test.ts).
      blocks: [expect.objectContaining({ type: 'section' }), expect.objectContaining({ type: 'actions' })],
    });
    expect(h.sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      name: request.requestId,
      input: JSON.stringify({ requestId: request.requestId, approvalTimeoutSeconds: 86400 }),
    });
    expect(request.target.arn).toBe('arn:aws:iam::111122223333:user/alice');
    expect(request.command).toMatchObject({
      action: 'grant',
      tier: 'developer',
      reason: 'on-call for builds',
    });
  });

  it('approved: applies the developer policies, verifies them and reports every step in the thread', async () => {
    await grant('grant user:alice developer because on-call');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);

    const card = h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && !m.threadTs);
    expect(card?.text).toContain(requestId);
    const cardJson = JSON.stringify(card?.blocks);
    expect(cardJson).toContain('arn:aws:iam::111122223333:user/alice');
    expect(cardJson).toContain('attach AWSCodeBuildDeveloperAccess to user alice');
    expect(cardJson).toContain('attach AmazonS3ReadOnlyAccess to user alice');
    expect(cardJson).toContain('on-call');
    // The button carries the request id only; the task token stays server side.
    expect(cardJson).not.toContain('local-task-token');

    const clicked = await click(requestId, APPROVER_1);
    expect(clicked.statusCode).toBe(200);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(h.iam.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
    const thread = h.slack.thread(card!.ts).map((m) => m.text ?? '');
    expect(thread).toEqual([
      expect.stringContaining('Requested by <@U0REQUESTER>'),
      expect.stringContaining(`Approved by <@${APPROVER_1}>`),
      expect.stringContaining('Applied'),
      expect.stringContaining('Verified'),
      expect.stringContaining('applied and verified'),
    ]);
    expect(thread[3]).toContain('codebuild:StartBuild: allowed');
    const stored = await h.store.get(requestId);
    expect(stored?.status).toBe('completed');
    expect(stored?.events.map((e) => e.type)).toEqual([
      'requested',
      'approved',
      'applied',
      'verified',
      'verified',
    ]);
    // The card lost its buttons and says who approved.
    const updated = h.slack.messages.find((m) => m.ts === card!.ts);
    expect(JSON.stringify(updated?.blocks)).not.toContain(ACTION_IDS.approve);
    expect(JSON.stringify(updated?.blocks)).toContain(`Approved by <@${APPROVER_1}>`);
  });

  it('denied: Deny asks for a reason in a modal, changes nothing and reports the denial with the reason', async () => {
    await grant('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    await click(requestId, APPROVER_1, ACTION_IDS.deny);
    const modal = h.slack.callsTo('views.open').at(-1)?.args.view as {
      callback_id: string;
      private_metadata: string;
    };
    expect(modal).toMatchObject({ callback_id: DENY_MODAL.callbackId, private_metadata: requestId });
    const submitted = await h.handler(
      viewSubmissionEvent({
        secret: TEST_SIGNING_SECRET,
        callbackId: DENY_MODAL.callbackId,
        privateMetadata: requestId,
        userId: APPROVER_1,
        values: {
          [DENY_MODAL.reasonBlockId]: {
            [DENY_MODAL.reasonActionId]: { type: 'plain_text_input', value: 'not during the freeze' },
          },
        },
      }),
    );
    expect(submitted.statusCode).toBe(200);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.iam.attached('user', 'alice')).toEqual([]);
    const stored = await h.store.get(requestId);
    expect(stored?.status).toBe('denied');
    expect(stored?.events.map((e) => e.type)).toEqual(['requested', 'denied', 'denied']);
    expect(stored?.events[1]?.text).toBe(
      `:no_entry: Denied by <@${APPROVER_1}>. Reason: not during the freeze`,
    );
    expect(stored?.events[2]?.text).toContain('nothing was changed');
  });
});
