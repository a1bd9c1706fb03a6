import { POLICY_ARNS } from '../../src/domain/tiers';
import { APPROVER_1, ackText, type Harness, REQUESTER, startHarness } from '../helpers/harness';

let h: Harness;
afterEach(async () => h.stop());

const slash = (text: string) => h.slash(text);
const approve = (requestId: string) => h.click(requestId, APPROVER_1);

const startedIds = (): string[] =>
  h.sfn.calls().flatMap((call) => {
    const name = (call.args[0].input as { name?: unknown }).name;
    return typeof name === 'string' ? [name] : [];
  });

async function submitAndApprove(text: string): Promise<string> {
  await slash(text);
  const requestId = String(startedIds().at(-1));
  await h.awaitApprovalWait(requestId);
  await approve(requestId);
  return requestId;
}

describe('time-bound grants (waits overridden to zero; the ASL Wait states are real)', () => {
  it('grant → reminder → expiry → revoked → reported, with the expiry shown on the card and in the thread', async () => {
    h = await startHarness();
    h.iam.addUser('alice');
    const requestId = await submitAndApprove('grant user:alice developer for 8h because release week');
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect(h.iam.attached('user', 'alice')).toEqual([]);
    const request = await h.store.get(requestId);
    expect(request?.status).toBe('completed');
    expect(request?.events.map((e) => e.type)).toEqual([
      'requested',
      'approved',
      'applied',
      'verified',
      'verified',
      'reminder',
      'access_expired',
    ]);
    const texts = request?.events.map((e) => e.text) ?? [];
    expect(texts[4]).toContain('revoked automatically <!date^');
    expect(texts[5]).toContain(`<@${REQUESTER}>, Grant developer to IAM user alice ends <!date^`);
    expect(texts[6]).toBe(
      `:hourglass: Time limit reached for Grant developer to IAM user alice. <@${REQUESTER}>\n` +
        '• revoked: detach AWSCodeBuildDeveloperAccess from user alice\n' +
        '• revoked: detach AmazonS3ReadOnlyAccess from user alice',
    );
    const card = h.slack.messages.find((m) => m.ts === request?.card?.ts && !m.threadTs);
    expect(JSON.stringify(card?.blocks)).toContain('Time limit');
    expect(JSON.stringify(card?.blocks)).toContain('Status: time limit reached; the access was revoked.');
    expect(JSON.stringify(card?.blocks)).not.toContain('applied and verified');
  });

  it('refuses a duration over the maximum when the command is parsed', async () => {
    h = await startHarness({ MAX_GRANT_DURATION_SECONDS: '86400' });
    h.iam.addUser('alice');
    const text = ackText(await slash('grant user:alice developer for 2d'));
    expect(text).toContain('`2d` is longer than the maximum of 1d');
    expect(h.sfn.calls()).toHaveLength(0);
  });

  it('keeps a policy that another tier, granted meanwhile, still needs', async () => {
    h = await startHarness();
    h.iam.addUser('alice', [POLICY_ARNS.codeBuildReadOnly]);
    const requestId = await submitAndApprove('grant user:alice developer for 1h');
    await h.finished(requestId);
    // readonly was held before; S3ReadOnly was attached by this grant but readonly needs it too.
    expect(h.iam.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly].sort(),
    );
    const expiry = (await h.store.get(requestId))?.events.at(-1)?.text ?? '';
    expect(expiry).toContain('• kept: AmazonS3ReadOnlyAccess (the readonly tier still needs it)');
  });

  it('an early revoke ends the grant and its scheduled expiry revokes nothing twice', async () => {
    let releaseExpiry: () => void = () => undefined;
    const expiryHeld = new Promise<void>((resolve) => {
      releaseExpiry = resolve;
    });
    h = await startHarness(
      {},
      { beforeTask: async (state) => (state === 'Revoke expired access' ? expiryHeld : undefined) },
    );
    h.iam.addUser('alice');
    const grantId = await submitAndApprove('grant user:alice developer for 8h');
    await waitForStatus(grantId, 'active');

    const revokeId = await submitAndApprove('revoke user:alice developer');
    await expect(h.finished(revokeId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.iam.attached('user', 'alice')).toEqual([]);
    expect((await h.store.get(grantId))?.status).toBe('revoked_early');

    h.iam.failWith = (command) =>
      command.startsWith('Detach') ? new Error('must not detach twice') : undefined;
    releaseExpiry();
    await expect(h.finished(grantId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    const grant = await h.store.get(grantId);
    expect(grant?.events.at(-2)?.text).toContain(`Ended early by ${revokeId}`);
    expect(grant?.events.at(-1)?.text).toContain(
      `${revokeId} already ended this grant, so nothing more was revoked`,
    );
  });
});

async function waitForStatus(requestId: string, status: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if ((await h.store.get(requestId))?.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${requestId} never reached ${status}`);
}
