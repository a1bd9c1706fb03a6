import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { type LocalHandle, startLocal } from '../../src/local/main';
import { ACTION_IDS } from '../../src/slack/ids';
import { PageDriver, requestIdIn } from './page-driver';

// Fixture ids (local/fixtures/workspace.json).
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
  running = await startLocal({ stateDir, port: 0 });
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

    await page.requestWithStatus(requestId, 'completed');
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
