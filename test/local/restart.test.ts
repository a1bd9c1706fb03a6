import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoRequestStore } from '../../src/aws/request-store';
import { applyClick } from '../../src/domain/approval';
import { DECISION_FIELDS } from '../../src/domain/request';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { startLocalDynamo } from '../../src/local/dynamo';
import { type LocalHandle, REQUESTS_TABLE, startLocal } from '../../src/local/main';
import { ACTION_IDS } from '../../src/slack/ids';
import { PageDriver, requestIdIn } from './page-driver';

// Fixture ids (local/fixtures/workspace.json). `env: {}`: a developer's SLACK_APP_TOKEN must not switch a test to Socket Mode.
const ALICE = 'U0ALICE';
const PRIYA = 'U0PRIYA';
const GENERAL = 'C0GENERAL';
const AUDIT = 'C0AUDIT';

jest.setTimeout(60_000);

let stateDir: string;
let running: LocalHandle | undefined;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'codebuild-access-local-'));
});

afterEach(async () => {
  await running?.stop();
  running = undefined;
  rmSync(stateDir, { recursive: true, force: true });
});

const start = async (): Promise<PageDriver> => {
  running = await startLocal({ stateDir, port: 0, env: {} });
  return new PageDriver(running.url);
};

/** The id in the bot's answer to the latest command, once that request's run waits for a click. */
const awaitPending = async (page: PageDriver): Promise<string> => {
  const ack = (await page.state(ALICE)).ephemerals.filter((ephemeral) => ephemeral.channel === GENERAL).pop();
  const requestId = requestIdIn(ack?.text ?? '');
  await page.until(
    'the run to wait for a click',
    async () => running?.workflow.isWaiting(requestId) || undefined,
  );
  return requestId;
};

/** Resolves when the request's run has ended (its last thread reply and card update are done). */
const finished = async (requestId: string) => {
  const run = running?.workflow.run(requestId);
  if (!run) throw new Error(`no run for ${requestId}`);
  return run.result;
};

const stop = async (): Promise<void> => {
  await running?.stop();
  running = undefined;
};

describe('local mode across a restart', () => {
  it('keeps a request pending approval through a restart, and an approval afterwards completes it', async () => {
    let page = await start();
    const typed = await page.type(
      ALICE,
      GENERAL,
      '/codebuild-access grant user:alice developer because restart test',
    );
    expect(typed).toEqual({ status: 200, body: expect.objectContaining({ kind: 'command', status: 200 }) });
    const requestId = await awaitPending(page);
    const pending = await page.requestWithStatus(requestId, 'awaiting_approval');
    expect(pending.card?.channel).toBe(AUDIT);

    await stop();
    page = await start();

    expect(running?.resumed).toEqual([expect.objectContaining({ requestId, status: 'awaiting_approval' })]);
    const stored = (await page.requests()).find((request) => request.requestId === requestId);
    expect(stored?.status).toBe('awaiting_approval');
    const cardTs = pending.card?.ts ?? '';
    const clicked = await page.click(PRIYA, AUDIT, cardTs, ACTION_IDS.approve);
    expect(clicked).toEqual({ status: 200, body: expect.objectContaining({ kind: 'clicked', status: 200 }) });

    await expect(finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect((await page.requests()).find((request) => request.requestId === requestId)?.status).toBe(
      'completed',
    );
    expect((await page.sandboxUser('alice'))?.attachedPolicyArns.sort()).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
    const { messages } = await page.state(PRIYA);
    // The resumed run refreshed the token of the existing card; it posted no second one.
    expect(messages.filter((message) => message.channel === AUDIT && !message.threadTs)).toHaveLength(1);
    const thread = messages.filter((message) => message.threadTs === cardTs).map((message) => message.text);
    expect(thread).toEqual([
      expect.stringContaining('Requested by <@U0ALICE>'),
      expect.stringContaining(`Approved by <@${PRIYA}>`),
      expect.stringContaining('Applied'),
      expect.stringContaining('Verified'),
      expect.stringContaining('applied and verified'),
    ]);
  });

  it('keeps the workspace: channels, the card and its thread are there after a restart', async () => {
    let page = await start();
    await page.type(ALICE, GENERAL, 'hello before the restart');
    await page.type(ALICE, GENERAL, '/codebuild-access grant user:bob readonly');
    await awaitPending(page);
    const before = await page.state(ALICE);
    await stop();

    page = await start();
    const after = await page.state(ALICE);
    expect(after.messages).toEqual(before.messages);
    expect(after.ephemerals).toEqual(before.ephemerals);
    expect(after.messages.map((message) => message.text)).toContain('hello before the restart');
  });
});

describe('resuming a request that was approved just before the restart', () => {
  it('hands the stored decision to the new run, which applies and verifies without another click', async () => {
    const page = await start();
    await page.type(ALICE, GENERAL, '/codebuild-access grant user:carol developer because crash test');
    const requestId = await awaitPending(page);
    await stop();

    // The click was stored, then local mode died before the run got the decision.
    const dynamo = await startLocalDynamo(join(stateDir, 'dynamodb'));
    try {
      const store = new DynamoRequestStore(dynamo.client, REQUESTS_TABLE);
      const request = await store.get(requestId);
      if (!request) throw new Error('request not stored');
      // Recorded as the click records it: the approval carries the hash of the plan the card showed.
      const click = applyClick(
        request,
        { userId: PRIYA, teamId: request.requester.teamId, appId: undefined, choice: 'approve' },
        { isApprover: true, now: new Date().toISOString() },
      );
      if (click.kind !== 'decided') throw new Error(`the click was not decisive: ${click.kind}`);
      expect(click.request.approvals[0]?.planHash).toBe(request.planHash);
      expect(await store.save(click.request, request.version, DECISION_FIELDS)).toBe(true);
    } finally {
      await dynamo.stop();
    }

    const again = await start();
    expect(running?.resumed).toEqual([
      expect.objectContaining({
        requestId,
        status: 'approved',
        decision: { outcome: 'approved', by: [PRIYA] },
      }),
    ]);
    await expect(finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect((await again.requests()).find((request) => request.requestId === requestId)?.status).toBe(
      'completed',
    );
    expect((await again.sandboxUser('carol'))?.attachedPolicyArns.sort()).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
  });
});

describe('resuming a time-bound grant that is in effect', () => {
  it('resumes the run at its hold after a restart, so the grant is still revoked at its expiry', async () => {
    // Long waits first: the grant is active when local mode stops.
    running = await startLocal({ stateDir, port: 0, env: {}, waitSeconds: 600 });
    let page = new PageDriver(running.url);
    await page.type(ALICE, GENERAL, '/codebuild-access grant user:bob readonly for 1h because restart test');
    const requestId = await awaitPending(page);
    const card = (await page.requests()).find((request) => request.requestId === requestId)?.card;
    await page.click(PRIYA, AUDIT, card?.ts ?? '', ACTION_IDS.approve);
    await page.requestWithStatus(requestId, 'active');
    expect((await page.sandboxUser('bob'))?.attachedPolicyArns.sort()).toEqual(
      [POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly].sort(),
    );
    await stop();

    running = await startLocal({ stateDir, port: 0, env: {}, waitSeconds: 0.05 });
    page = new PageDriver(running.url);
    expect(running.resumed).toEqual([
      expect.objectContaining({ requestId, status: 'active', startAt: 'Hold until the reminder' }),
    ]);
    await expect(finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect((await page.sandboxUser('bob'))?.attachedPolicyArns).toEqual([]);
  });
});
