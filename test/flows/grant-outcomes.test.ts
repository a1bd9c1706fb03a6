import { IAMServiceException } from '@aws-sdk/client-iam';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { ACTION_IDS } from '../../src/slack/ids';
import { APPROVER_1, AUDIT_CHANNEL, type Harness, startHarness } from '../helpers/harness';

let h: Harness;
afterEach(async () => h.stop());

const slash = (text: string) => h.slash(text);
const approve = (requestId: string, userId = APPROVER_1) => h.click(requestId, userId);
const threadTexts = async (requestId: string): Promise<string[]> => {
  const request = await h.store.get(requestId);
  return h.slack.thread(request?.card?.ts ?? '').map((m) => m.text ?? '');
};
// IAM reports a missing permission as the generic AccessDenied error (HTTP 403).
const denied = (action: string) =>
  new IAMServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    message: `not authorized to perform: iam:${action}`,
    $metadata: { httpStatusCode: 403 },
  });

async function approvedGrant(text: string): Promise<string> {
  await slash(text);
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  await approve(requestId);
  await h.finished(requestId);
  return requestId;
}

describe('grant outcomes in the real workflow', () => {
  it('expires when nobody decides in time: buttons removed, nothing changed, a late click is told so', async () => {
    // The one test that waits for real time: the approval wait's TimeoutSecondsPath (1 s here).
    h = await startHarness({ APPROVAL_TIMEOUT_SECONDS: '1' });
    h.iam.addUser('alice');
    await slash('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const request = await h.store.get(requestId);
    expect(request?.status).toBe('expired');
    expect(h.iam.attached('user', 'alice')).toEqual([]);
    expect((await threadTexts(requestId)).at(-1)).toContain('Expired: nobody approved in time');
    const card = h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && m.ts === request?.card?.ts);
    expect(JSON.stringify(card?.blocks)).not.toContain(ACTION_IDS.approve);
    expect(JSON.stringify(card?.blocks)).toContain('Expired');

    await approve(requestId);
    expect(h.slack.ephemerals.at(-1)?.text).toContain('expired before anyone decided');
  });

  it('reports a failed apply with what was applied and rolls it back', async () => {
    h = await startHarness();
    h.iam.addUser('alice');
    h.iam.failWith = (command, input) =>
      command === 'AttachUserPolicy' && input.PolicyArn === POLICY_ARNS.s3ReadOnly
        ? denied(command)
        : undefined;
    const requestId = await approvedGrant('grant user:alice developer');

    expect(h.iam.attached('user', 'alice')).toEqual([]);
    const request = await h.store.get(requestId);
    expect(request?.status).toBe('failed');
    const last = (await threadTexts(requestId)).at(-1) ?? '';
    expect(last).toContain(
      'Failed: AWS denied the bot permission to attach AmazonS3ReadOnlyAccess to user alice',
    );
    expect(last).toContain('Rolled back: attach AWSCodeBuildDeveloperAccess to user alice');
    expect(await threadTexts(requestId)).toContainEqual(
      expect.stringContaining('undone: attach AWSCodeBuildDeveloperAccess to user alice'),
    );
  });

  it('names what is still in effect, with the command to undo it, when the rollback fails too', async () => {
    h = await startHarness();
    h.iam.addUser('alice');
    h.iam.failWith = (command, input) =>
      (command === 'AttachUserPolicy' && input.PolicyArn === POLICY_ARNS.s3ReadOnly) ||
      command === 'DetachUserPolicy'
        ? denied(command)
        : undefined;
    const requestId = await approvedGrant('grant user:alice developer');

    expect(h.iam.attached('user', 'alice')).toEqual([POLICY_ARNS.codeBuildDeveloper]);
    const thread = await threadTexts(requestId);
    expect(thread).toContainEqual(
      expect.stringContaining(
        'NOT undone: attach AWSCodeBuildDeveloperAccess to user alice. Run by hand: `aws iam detach-user-policy --user-name alice --policy-arn arn:aws:iam::aws:policy/AWSCodeBuildDeveloperAccess`',
      ),
    );
    expect(thread.at(-1)).toContain('Still in effect: attach AWSCodeBuildDeveloperAccess to user alice');
  });

  it('reports a plan failure (the target vanished) without asking anyone to approve', async () => {
    h = await startHarness();
    h.iam.addUser('alice');
    h.iam.failWith = (command) => (command === 'ListAttachedUserPolicies' ? denied(command) : undefined);
    await slash('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'FAILED' });
    // No approval card: one message in the audit channel carries the request, its thread the outcome.
    const topLevel = h.slack.messages.filter((m) => m.channel === AUDIT_CHANNEL && !m.threadTs);
    expect(topLevel).toHaveLength(1);
    expect(JSON.stringify(topLevel[0]?.blocks ?? [])).not.toContain(ACTION_IDS.approve);
    const thread = h.slack.thread(topLevel[0]?.ts ?? '').map((m) => m.text);
    expect(thread).toEqual([
      expect.stringContaining('Requested by'),
      expect.stringContaining('AWS denied the bot permission to list the policies attached to user alice'),
    ]);
  });

  it('keeps AmazonS3ReadOnlyAccess on revoke while another held tier needs it', async () => {
    h = await startHarness();
    h.iam.addUser('alice', [
      POLICY_ARNS.codeBuildDeveloper,
      POLICY_ARNS.codeBuildReadOnly,
      POLICY_ARNS.s3ReadOnly,
    ]);
    const requestId = await approvedGrant('revoke user:alice readonly');
    expect(h.iam.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
    const request = await h.store.get(requestId);
    expect(request?.plan?.unchanged).toEqual([
      'AmazonS3ReadOnlyAccess stays: the developer tier still needs it',
    ]);
    expect(request?.status).toBe('completed');
  });

  it('reports "nothing to change" without an approval when the tier is already attached', async () => {
    h = await startHarness();
    h.iam.addUser('alice', [POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly]);
    await slash('grant user:alice readonly');
    const { requestId } = await h.onlyRequest();
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    const request = await h.store.get(requestId);
    expect(request?.status).toBe('no_change');
    expect(request?.events.at(-1)?.text).toContain('Nothing to change');
  });

  it('refuses a grant that would exceed the 10 managed policies quota before approval', async () => {
    h = await startHarness();
    h.iam.addUser(
      'alice',
      Array.from({ length: 9 }, (_, i) => `arn:aws:iam::111122223333:policy/p${i}`),
    );
    await slash('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'FAILED' });
    expect((await h.store.get(requestId))?.events.at(-1)?.text).toContain(
      'has 9 managed policies attached; granting developer adds 2 and IAM allows 10',
    );
  });
});
