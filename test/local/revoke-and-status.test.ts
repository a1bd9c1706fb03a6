import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalHandle, startLocal } from '../../src/local/main';
import type { WorkspaceMessage } from '../../src/local/workspace/state';
import { slackDate } from '../../src/slack/blocks/dates';
import { ACTION_IDS } from '../../src/slack/ids';
import { PageDriver, requestIdIn } from './page-driver';

// Local mode as `npm start` runs it, driven through the page's endpoints. Both used to fail on the
// requests table local mode created without the byTarget index: `status` answered with a
// ValidationException, and every revoke's "Report success" (which ends the target's time-bound
// grants) failed after "Verified", leaving no "Done" and no card status.

const ALICE = 'U0ALICE';
const PRIYA = 'U0PRIYA';
const GENERAL = 'C0GENERAL';
const AUDIT = 'C0AUDIT';

jest.setTimeout(60_000);

let stateDir: string;
let local: LocalHandle;
let page: PageDriver;

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'codebuild-access-local-'));
  // `env: {}`: a developer's SLACK_APP_TOKEN must not switch the test to Socket Mode.
  local = await startLocal({ stateDir, port: 0, env: {} });
  page = new PageDriver(local.url);
});

afterEach(async () => {
  await local.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Types a command as alice and returns the bot's answer, only she sees. */
const typeAsAlice = async (text: string): Promise<string> => {
  await page.type(ALICE, GENERAL, `/codebuild-access ${text}`);
  const answers = (await page.state(ALICE)).ephemerals.filter((ephemeral) => ephemeral.channel === GENERAL);
  return answers.at(-1)?.text ?? '';
};

/** Types a change command as alice; resolves with its id once its card waits for a click. */
const request = async (text: string): Promise<{ requestId: string; cardTs: string }> => {
  const requestId = requestIdIn(await typeAsAlice(text));
  await page.until(
    'the run to wait for a click',
    async () => local.workflow.isWaiting(requestId) || undefined,
  );
  const stored = (await page.requests()).find((r) => r.requestId === requestId);
  return { requestId, cardTs: stored?.card?.ts ?? '' };
};

const approveAndFinish = async ({ requestId, cardTs }: { requestId: string; cardTs: string }) => {
  await page.click(PRIYA, AUDIT, cardTs, ACTION_IDS.approve);
  return local.workflow.run(requestId)?.result;
};

/** Every text of a message: its fallback text and each of its blocks' texts. */
const textOf = (message: WorkspaceMessage | undefined): string =>
  [message?.text ?? '', ...JSON.stringify(message?.blocks ?? []).matchAll(/"text":"((?:[^"\\]|\\.)*)"/g)]
    .map((part) => (typeof part === 'string' ? part : (part[1] ?? '')))
    .join('\n');

describe('revoke in local mode', () => {
  it('reaches "Done" in its thread and the final status on its card, and detaches the policies', async () => {
    await expect(approveAndFinish(await request('grant user:alice developer'))).resolves.toMatchObject({
      status: 'SUCCEEDED',
    });
    const revoke = await request('revoke user:alice developer because leaving the team');

    await expect(approveAndFinish(revoke)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const { messages } = await page.state(PRIYA);
    const thread = messages.filter((message) => message.threadTs === revoke.cardTs).map((m) => m.text);
    expect(thread.at(-2)).toContain('Verified');
    expect(thread.at(-1)).toBe(
      // Local mode runs a sandbox organization: each reply begins with the account (the default, the hub).
      '[hub · 111122223333] :white_check_mark: Done. Revoke developer from IAM user alice was applied and verified. <@U0ALICE>',
    );
    const card = messages.find((message) => message.ts === revoke.cardTs && !message.threadTs);
    expect(textOf(card)).toContain('Status: applied and verified. See the thread for each step.');
    expect((await page.requests()).find((r) => r.requestId === revoke.requestId)?.status).toBe('completed');
    expect((await page.sandboxUser('alice'))?.attachedPolicyArns).toEqual([]);
  });
});

describe('a revoke of a tier the target does not hold, in local mode', () => {
  it('sends no click until the confirm dialog is confirmed, then detaches what the bot never granted', async () => {
    // carol has AmazonS3ReadOnlyAccess from the fixture and no CodeBuild tier.
    const revoke = await request('revoke user:carol readonly because cleanup');

    const unconfirmed = await page.click(PRIYA, AUDIT, revoke.cardTs, ACTION_IDS.approve);
    expect(unconfirmed).toEqual({
      status: 400,
      body: { kind: 'rejected', reason: 'that button asks for confirmation first' },
    });
    expect(local.workflow.isWaiting(revoke.requestId)).toBe(true);
    expect((await page.sandboxUser('carol'))?.attachedPolicyArns).toEqual([
      'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    ]);

    expect((await page.click(PRIYA, AUDIT, revoke.cardTs, ACTION_IDS.approve, true)).status).toBe(200);
    await expect(local.workflow.run(revoke.requestId)?.result).resolves.toMatchObject({
      status: 'SUCCEEDED',
    });
    expect((await page.sandboxUser('carol'))?.attachedPolicyArns).toEqual([]);
    const thread = (await page.state(PRIYA)).messages.filter((m) => m.threadTs === revoke.cardTs);
    expect(thread.at(-1)?.text).toBe(
      // Local mode runs a sandbox organization: each reply begins with the account (the default, the hub).
      '[hub · 111122223333] :white_check_mark: Done. Revoke readonly from IAM user carol was applied and verified. <@U0ALICE>',
    );
  });
});

describe('status in local mode', () => {
  it('answers with the target’s policies and its pending requests', async () => {
    const pending = await request('grant user:alice readonly because status test');

    const answer = await typeAsAlice('status user:alice in hub');

    const createdAt = (await page.requests()).find((r) => r.requestId === pending.requestId)?.createdAt;
    expect(answer).toBe(
      [
        '*Status of* user `alice` (`arn:aws:iam::111122223333:user/alice`)',
        'Tiers held: none',
        '*Managed policies (CodeBuild-related)*',
        '• none',
        '*Inline policies (CodeBuild-related)*',
        '• none',
        '*Pending requests*',
        `• ${pending.requestId}: grant readonly for user:alice, awaiting approval, asked by <@U0ALICE> ${slackDate(createdAt ?? '')}`,
      ].join('\n'),
    );

    // Without `in`, one answer covers every account of the sandbox organization, staging's refusal included.
    const everywhere = await typeAsAlice('status user:alice');
    expect(everywhere.startsWith('*Status in 4 AWS accounts*')).toBe(true);
    expect(everywhere).toContain('*━━ AWS account prod (444455556666) ━━*');
    expect(everywhere).toContain(
      "I could not act in account `staging` (333344445555): it refused the bot's role",
    );
  });
});

describe('Cancel on the requester’s answer, in local mode', () => {
  it('the button on "Request … received" (seen only by the requester) cancels the request', async () => {
    const { requestId } = await request('grant user:alice developer because cancel from the answer');
    const answer = (await page.state(ALICE)).ephemerals
      .filter((ephemeral) => ephemeral.channel === GENERAL)
      .find((ephemeral) => ephemeral.text.includes(requestId));
    expect(JSON.stringify(answer?.blocks)).toContain(ACTION_IDS.cancel);

    // Priya sees no such answer, so she has nothing to click.
    const foreign = await page.click(PRIYA, GENERAL, answer?.ts ?? '', ACTION_IDS.cancel, true);
    expect(foreign.status).not.toBe(200);

    const clicked = await page.click(ALICE, GENERAL, answer?.ts ?? '', ACTION_IDS.cancel, true);
    expect(clicked.status).toBe(200);
    await expect(local.workflow.run(requestId)?.result).resolves.toMatchObject({ status: 'SUCCEEDED' });
    const stored = (await page.requests()).find((r) => r.requestId === requestId);
    expect(stored?.status).toBe('cancelled');
  });
});
