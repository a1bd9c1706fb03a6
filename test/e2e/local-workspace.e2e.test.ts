/**
 * The local Slack workspace in a real browser (Debian's chromium through playwright-core), driven the
 * way a person uses it: type each command of the README's "What it does" table (details in docs/commands.md), switch to an approver,
 * click Approve, read the card's final status line and the thread's last reply. Everything behind the
 * page is local mode as `npm start -- --fast` runs it (Wait states shortened; 1 s here instead of 10 s).
 * It never writes tracked files: its one screenshot goes to test-results/ (gitignored); the README's
 * docs/local-workspace.png is made by `npm run screenshot`. On a developer machine without
 * /usr/bin/chromium it is skipped; in CI (CI=true, where .ci/run installs chromium) it always runs, so a
 * missing browser fails the build instead of hiding the test.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../../local/chromium';
import { accessRulesEnv } from '../../scripts/access-rules-env';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { type LocalHandle, startLocal } from '../../src/local/main';
import { PageDriver } from '../local/page-driver';

// Gitignored: a test never rewrites a tracked file.
const SCREENSHOT_DIR = resolve(__dirname, '..', '..', 'test-results', 'e2e');
// What `--fast` does (waitSeconds), with 1 s instead of FAST_WAIT_SECONDS so the expiry comes quickly.
const WAIT_SECONDS = 1;
const describeWithChromium = existsSync(CHROMIUM) || process.env.CI === 'true' ? describe : describe.skip;

jest.setTimeout(120_000);

// Fixture ids (local/fixtures/workspace.json).
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';
const PRIYA = 'U0PRIYA';
const GENERAL = 'C0GENERAL';
const AUDIT = 'C0AUDIT';
const UI_TIMEOUT = 20_000;

describeWithChromium('the local Slack workspace in a browser', () => {
  let stateDir: string;
  let local: LocalHandle;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'codebuild-access-e2e-'));
    local = await startLocal({ stateDir, port: 0, env: {}, waitSeconds: WAIT_SECONDS });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(local.url);
  });

  afterAll(async () => {
    if (page) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'local-workspace.png') }).catch(() => undefined);
    }
    await browser?.close();
    await local?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const actAs = async (userId: string) => {
    await page.selectOption('#identity', userId);
    // The page has re-rendered with what this person sees (their ephemerals).
    await page.locator(`#app[data-viewer="${userId}"]`).waitFor({ timeout: UI_TIMEOUT });
  };
  const openChannel = async (channelId: string) => {
    await page.click(`#channels a[data-channel="${channelId}"]`);
    await page.locator(`#messages[data-channel="${channelId}"]`).waitFor({ timeout: UI_TIMEOUT });
  };
  const typeInComposer = async (text: string) => {
    await page.fill('#composer', text);
    await page.press('#composer', 'Enter');
  };
  /** Types a grant and returns the request id from the ephemeral acknowledgement the user sees. */
  const grant = async (text: string): Promise<string> => {
    const before = await page.locator('#messages .message.ephemeral').count();
    await typeInComposer(text);
    const ack = page.locator('#messages .message.ephemeral').nth(before);
    await ack.filter({ hasText: 'received' }).waitFor({ timeout: UI_TIMEOUT });
    const requestId = /REQ-[0-9A-Z]{10}/.exec((await ack.textContent()) ?? '')?.[0];
    if (!requestId) throw new Error('no request id in the acknowledgement');
    return requestId;
  };
  const card = (requestId: string) =>
    page
      .locator('#messages article.message:not(.ephemeral)')
      .filter({ hasText: `CodeBuild access request ${requestId}` });

  it('grant as a requester, approve as an approver, and read "applied" and "verified" in the thread', async () => {
    await actAs(ALICE);
    await openChannel(GENERAL);
    const requestId = await grant('/codebuild-access grant user:alice developer because e2e');
    expect(await page.locator('#messages .message.ephemeral').last().textContent()).toContain(
      'Only visible to you',
    );

    await actAs(PRIYA);
    await openChannel(AUDIT);
    // The requester's acknowledgement is theirs alone.
    expect(await page.locator('.message.ephemeral', { hasText: requestId }).count()).toBe(0);
    await card(requestId).locator('button[data-action-id="approve_request"]').click();

    await card(requestId)
      .locator('.replies')
      .filter({ hasText: '5 replies' })
      .waitFor({ timeout: UI_TIMEOUT });
    await card(requestId).locator('.replies').click();
    const thread = page.locator('#thread-messages');
    await thread.filter({ hasText: 'applied and verified' }).waitFor({ timeout: UI_TIMEOUT });
    const trail = await thread.textContent();
    expect(trail).toContain('Requested by @alice');
    expect(trail).toContain('Approved by @priya');
    expect(trail).toContain('Applied');
    expect(trail).toContain('attach AWSCodeBuildDeveloperAccess to user alice');
    expect(trail).toContain('Verified');
    // The card lost its buttons once decided.
    expect(await card(requestId).locator('button[data-action-id="approve_request"]').count()).toBe(0);

    const alice = await new PageDriver(local.url).sandboxUser('alice');
    expect(alice?.attachedPolicyArns.sort()).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
  });

  it("refuses a non-approver's click on another pending request, on screen, and changes nothing", async () => {
    await actAs(BOB);
    await openChannel(GENERAL);
    const requestId = await grant('/codebuild-access grant user:bob readonly because second request');

    await actAs(CAROL);
    await openChannel(AUDIT);
    await card(requestId).locator('button[data-action-id="approve_request"]').click();
    const refusal = page.locator('#messages .message.ephemeral', { hasText: 'Only configured approvers' });
    await refusal.waitFor({ timeout: UI_TIMEOUT });
    expect(await refusal.textContent()).toContain('Only visible to you');

    // Still pending: the buttons are there, and bob's IAM user is unchanged.
    expect(await card(requestId).locator('button[data-action-id="approve_request"]').count()).toBe(1);
    const bob = await new PageDriver(local.url).sandboxUser('bob');
    expect(bob?.attachedPolicyArns).toEqual([]);

    // Nobody else sees carol's refusal.
    await actAs(PRIYA);
    expect(await page.locator('.message.ephemeral', { hasText: 'Only configured approvers' }).count()).toBe(
      0,
    );
  });

  it('denies through the reason modal: a too-short reason is refused in the modal, then the card says why', async () => {
    await actAs(BOB);
    await openChannel(GENERAL);
    const requestId = await grant('/codebuild-access grant user:bob developer because third request');

    await actAs(PRIYA);
    await openChannel(AUDIT);
    await card(requestId).locator('button[data-action-id="deny_request"]').click();
    const modal = page.locator('#modal .modal');
    await modal.waitFor({ timeout: UI_TIMEOUT });
    expect(await modal.locator('h2').textContent()).toBe('Deny request');

    // The input's min_length is 3: like Slack's client, the workspace refuses it before the app sees it.
    await modal.locator('.modal-input').fill('no');
    await modal.locator('button[type="submit"]').click();
    await modal
      .locator('.modal-error', { hasText: 'Please enter at least 3 characters.' })
      .waitFor({ timeout: UI_TIMEOUT });

    await modal.locator('.modal-input').fill('not during the freeze');
    await modal.locator('button[type="submit"]').click();
    await page.locator('#modal').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    await card(requestId)
      .filter({ hasText: 'Denied by @priya: not during the freeze' })
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await card(requestId).locator('button[data-action-id="deny_request"]').count()).toBe(0);
    await expect(local.workflow.run(requestId)?.result).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });
  /** Types a command as `userId` in #general; resolves with the answer only they see. */
  const ask = async (userId: string, text: string, answerHas: string): Promise<string> => {
    await actAs(userId);
    await openChannel(GENERAL);
    const before = await page.locator('#messages .message.ephemeral').count();
    await typeInComposer(text);
    const answer = page.locator('#messages .message.ephemeral').nth(before);
    await answer.filter({ hasText: answerHas }).waitFor({ timeout: UI_TIMEOUT });
    return (await answer.textContent()) ?? '';
  };
  const requestIdIn = (text: string): string => {
    const requestId = /REQ-[0-9A-Z]{10}/.exec(text)?.[0];
    if (!requestId) throw new Error(`no request id in: ${text}`);
    return requestId;
  };
  /** Approve as priya on the card in #codebuild-audit. */
  const approve = async (requestId: string) => {
    await actAs(PRIYA);
    await openChannel(AUDIT);
    await card(requestId).locator('button[data-action-id="approve_request"]').click();
  };
  /**
   * Once the request's run has ended: the status line the card ends with, and the thread's last
   * reply, as the approver reads them on the page.
   */
  const outcomeOf = async (requestId: string, lastReplyHas: string) => {
    await expect(local.workflow.run(requestId)?.result).resolves.toMatchObject({
      status: expect.any(String),
    });
    await actAs(PRIYA);
    await openChannel(AUDIT);
    const shown = card(requestId);
    await shown.filter({ hasText: 'Status: ' }).waitFor({ timeout: UI_TIMEOUT });
    const statusLine = /Status: [^\n]*?\.(?: See the thread[^.]*\.)?/.exec(
      (await shown.textContent()) ?? '',
    )?.[0];
    await shown.locator('.replies').click();
    const last = page.locator('#thread-messages article.message').last();
    await last.filter({ hasText: lastReplyHas }).waitFor({ timeout: UI_TIMEOUT });
    return { statusLine, lastReply: (await last.textContent()) ?? '' };
  };
  const APPLIED = 'Status: applied and verified. See the thread for each step.';
  const FAILED_UNCHANGED = 'Status: failed; nothing was changed in AWS. See the thread for why.';

  it('answers help, verify and status at once, to the asker only', async () => {
    expect(await ask(ALICE, '/codebuild-access help', 'asks for CodeBuild access')).toContain(
      'status <target>',
    );
    const verify = await ask(ALICE, '/codebuild-access verify user:alice', 'Result:');
    expect(verify).toContain('codebuild:ListBuilds: allowed');
    expect(verify).toContain('Result: pass');
    const status = await ask(ALICE, '/codebuild-access status user:alice', 'Status of');
    expect(status).toContain('Tiers held: developer');
    expect(status).toContain('AWSCodeBuildDeveloperAccess');
    expect(status).toContain('Pending requests');

    await actAs(PRIYA);
    await openChannel(GENERAL);
    expect(await page.locator('.message.ephemeral', { hasText: 'Status of' }).count()).toBe(0);
  });

  it('revoke: detaches the tier, ends with "Done" in the thread and the final status on the card', async () => {
    const requestId = requestIdIn(
      await ask(ALICE, '/codebuild-access revoke user:alice developer because e2e', 'received'),
    );
    await approve(requestId);

    const { statusLine, lastReply } = await outcomeOf(requestId, 'Done.');
    expect(statusLine).toBe(APPLIED);
    expect(lastReply).toContain('Done. Revoke developer from IAM user alice was applied and verified.');
    expect((await new PageDriver(local.url).sandboxUser('alice'))?.attachedPolicyArns).toEqual([]);
  });

  it('a time-bound grant (--fast) reminds the requester and is revoked when its time is up', async () => {
    const before = (await new PageDriver(local.url).sandboxUser('carol'))?.attachedPolicyArns ?? [];
    const requestId = requestIdIn(
      await ask(BOB, '/codebuild-access grant user:carol readonly for 1h because e2e', 'received'),
    );
    await approve(requestId);

    const { statusLine, lastReply } = await outcomeOf(requestId, 'Time limit reached');
    expect(statusLine).toBe('Status: time limit reached; the access was revoked.');
    expect(lastReply).toContain('Time limit reached for Grant readonly to IAM user carol.');
    expect(lastReply).toContain('revoked: detach AWSCodeBuildReadOnlyAccess from user carol');
    const trail = (await page.locator('#thread-messages').textContent()) ?? '';
    expect(trail).toContain(
      `If you still need it, ask for more time: /codebuild-access extend ${requestId} by 2h`,
    );
    expect((await new PageDriver(local.url).sandboxUser('carol'))?.attachedPolicyArns.sort()).toEqual(
      [...before].sort(),
    );
  });

  it.each([
    ['service-role create e2e-build --vpc', 'Create CodeBuild service role e2e-build (with VPC permissions)'],
    ['kms allow alias/codebuild-artifacts e2e-build', 'Allow role e2e-build to use KMS key'],
    ['kms create alias/e2e-key e2e-build', 'Create KMS key alias/e2e-key for CodeBuild role e2e-build'],
  ])('%s: approved, applied, verified, "Done"', async (command, done) => {
    const requestId = requestIdIn(await ask(ALICE, `/codebuild-access ${command}`, 'received'));
    await approve(requestId);

    const { statusLine, lastReply } = await outcomeOf(requestId, 'Done.');
    expect(statusLine).toBe(APPLIED);
    expect(lastReply).toContain(`Done. ${done}`);
    expect(lastReply).toContain('was applied and verified.');
  });

  it('revoke of a tier carol does not hold: Approve opens a confirm naming the policy; Cancel sends nothing, "Detach anyway" detaches it', async () => {
    // After the time-bound grant above, carol again has only AmazonS3ReadOnlyAccess, attached by hand.
    const requestId = requestIdIn(
      await ask(BOB, '/codebuild-access revoke user:carol readonly because cleanup', 'received'),
    );
    await actAs(PRIYA);
    await openChannel(AUDIT);
    const dialog = page.locator('#confirm [role="alertdialog"]');

    await card(requestId).locator('button[data-action-id="approve_request"]').click();
    await dialog.waitFor({ timeout: UI_TIMEOUT });
    expect(await dialog.locator('h2').textContent()).toBe('Detach policies the bot never granted?');
    expect(await dialog.locator('.modal-body').textContent()).toBe(
      'user carol does not hold the readonly tier, so the bot never granted AmazonS3ReadOnlyAccess for it. ' +
        'Approving detaches it anyway.',
    );
    await dialog.locator('button[data-confirm="deny"]').click();
    await page.locator('#confirm').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    // Cancelled: no click reached the bot, the card still asks, carol is unchanged.
    expect(local.workflow.isWaiting(requestId)).toBe(true);
    expect(await card(requestId).locator('button[data-action-id="approve_request"]').count()).toBe(1);
    expect((await new PageDriver(local.url).sandboxUser('carol'))?.attachedPolicyArns).toEqual([
      POLICY_ARNS.s3ReadOnly,
    ]);

    await card(requestId).locator('button[data-action-id="approve_request"]').click();
    await dialog.locator('button[data-confirm="confirm"]').click();

    const { statusLine, lastReply } = await outcomeOf(requestId, 'Done.');
    expect(statusLine).toBe(APPLIED);
    expect(lastReply).toContain('Done. Revoke readonly from IAM user carol was applied and verified.');
    expect((await new PageDriver(local.url).sandboxUser('carol'))?.attachedPolicyArns).toEqual([]);
  });

  it("custom needs two approvers and attaches the stack's CodeBuildAccessPolicy by ARN, writing no inline policy", async () => {
    const requestId = requestIdIn(
      await ask(ALICE, '/codebuild-access grant group:qa custom because e2e', 'received'),
    );
    await approve(requestId);
    await card(requestId).filter({ hasText: 'Approvals: 1 of 2' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await card(requestId).textContent()).toContain('iam:PassRole to CodeBuild');
    await actAs('U0OMAR');
    await card(requestId).locator('button[data-action-id="approve_request"]').click();

    const { statusLine, lastReply } = await outcomeOf(requestId, 'Done');
    expect(statusLine).toBe(APPLIED);
    expect(lastReply).toContain('Done. Grant custom to IAM group qa was applied and verified.');
    const qa = await new PageDriver(local.url).sandboxGroup('qa');
    expect(qa?.attachedPolicyArns).toContain(
      'arn:aws:iam::111122223333:policy/codebuild-access/CodeBuildAccessPolicy-dev',
    );
    expect(qa?.inlinePolicies).toEqual({});
  });

  it('a plan failure (kms create on an alias that exists) is reported, and nothing is asked or changed', async () => {
    const requestId = requestIdIn(
      await ask(ALICE, '/codebuild-access kms create alias/codebuild-artifacts legacy-build', 'received'),
    );

    const { statusLine, lastReply } = await outcomeOf(requestId, 'Failed');
    expect(statusLine).toBe(FAILED_UNCHANGED);
    expect(lastReply).toContain('alias/codebuild-artifacts already names key');
    expect(lastReply).toContain('Nothing was changed in AWS.');
    expect(await card(requestId).locator('button[data-action-id="approve_request"]').count()).toBe(0);
  });
  it('renders Slack dates in the reader’s zone, the app’s Home and DM entries, and the debug pages as HTML', async () => {
    await actAs(PRIYA);
    await openChannel(AUDIT);
    // Cards say when they expire with a <!date^…> token: shown as words, never as an ISO timestamp.
    const date = page.locator('#messages time.date').first();
    await date.waitFor({ timeout: UI_TIMEOUT });
    expect(await date.textContent()).toMatch(
      /^(Today|Tomorrow|Yesterday|[A-Z][a-z]{2} \d{1,2}, \d{4}) at \d{1,2}:\d{2} [AP]M$/,
    );
    expect(await date.getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // Text fonts before the emoji font, so digits and spaces never come from the emoji font.
    const fonts = await page.locator('body').evaluate((body) => {
      const view = body.ownerDocument.defaultView as unknown as {
        getComputedStyle(node: unknown): { fontFamily: string };
      };
      return view.getComputedStyle(body).fontFamily;
    });
    expect(fonts.indexOf('Noto Color Emoji')).toBeGreaterThan(fonts.indexOf('DejaVu Sans'));

    expect(await page.locator(`#dms a[data-channel="D0PRIYA"]`).count()).toBe(1);
    await page.click('#apps a[data-channel="home"]');
    await page
      .locator('#messages[data-channel="home"], #messages .empty')
      .first()
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('#channel-topic').textContent()).toBe('Home');

    const debug = await browser.newPage();
    try {
      await debug.goto(`${local.url}/local/sandbox`);
      // One "IAM users" table per account of the sandbox organization (hub, dev, staging, prod).
      expect(await debug.locator('h3', { hasText: 'IAM users' }).count()).toBe(4);
      expect(await debug.locator('table').count()).toBeGreaterThan(3);
      await debug.goto(`${local.url}/local/requests`);
      expect(await debug.locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await debug.locator('tbody time').first().textContent()).toMatch(/ UTC · /);
    } finally {
      await debug.close();
    }
    await openChannel(AUDIT);
  });
});

/**
 * The request form, the Home tab, a relinquish and a break-glass request, in a second local workspace
 * whose rules make readonly break-glass and whose Wait states last their real time (so a grant stays in
 * effect until it is relinquished). Each step's screenshot goes to test-results/e2e/ (gitignored).
 */
const RULES = [
  'version: 1',
  'tiers:',
  '  readonly:',
  '    break_glass: true',
  '  developer:',
  '    max_duration: 8h',
  '    reason_required: true',
  '',
].join('\n');

describeWithChromium('the request form, the Home tab, relinquish and break-glass in a browser', () => {
  let stateDir: string;
  let local: LocalHandle;
  let browser: Browser;
  let page: Page;
  let step = 0;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'codebuild-access-e2e-form-'));
    local = await startLocal({ stateDir, port: 0, env: { ACCESS_RULES: accessRulesEnv(RULES) } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(local.url);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await local?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** Saves what the page shows now, numbered in the order of the steps. */
  const shot = async (name: string) => {
    step += 1;
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${String(step).padStart(2, '0')}-${name}.png`) });
  };
  const actAs = async (userId: string) => {
    await page.selectOption('#identity', userId);
    await page.locator(`#app[data-viewer="${userId}"]`).waitFor({ timeout: UI_TIMEOUT });
  };
  const openChannel = async (channelId: string) => {
    await page.click(`#channels a[data-channel="${channelId}"]`);
    await page.locator(`#messages[data-channel="${channelId}"]`).waitFor({ timeout: UI_TIMEOUT });
  };
  const openHome = async () => {
    await page.click('#apps a[data-channel="home"]');
    await page.locator('#messages[data-channel="home"]').waitFor({ timeout: UI_TIMEOUT });
  };
  const openDm = async (userId: string) => {
    await page.click(`#dms a[data-channel="D0${userId.slice(2)}"]`);
    await page.locator(`#messages[data-channel="D0${userId.slice(2)}"]`).waitFor({ timeout: UI_TIMEOUT });
  };
  const card = (requestId: string) =>
    page
      .locator('#messages article.message:not(.ephemeral)')
      .filter({ hasText: `CodeBuild access request ${requestId}` });
  const form = () => page.locator('#modal form.modal');
  const field = (blockId: string) => form().locator(`.modal-field[data-block-id="${blockId}"]`);
  const select = (blockId: string) => field(blockId).locator('select');
  const durationChoices = async () =>
    (await select('duration').locator('option').allTextContents()).filter((text) => text !== 'No end');
  const requestIdIn = (text: string | null): string => {
    const requestId = /REQ-[0-9A-Z]{10}/.exec(text ?? '')?.[0];
    if (!requestId) throw new Error(`no request id in: ${text}`);
    return requestId;
  };
  let grantId = '';

  it('the form from `/codebuild-access`: the time limits follow the tier, a wrong field shows its error, a valid one is sent', async () => {
    await actAs(ALICE);
    await openChannel(GENERAL);
    await page.fill('#composer', '/codebuild-access');
    await page.press('#composer', 'Enter');
    await form().waitFor({ timeout: UI_TIMEOUT });
    expect(await form().locator('h2').textContent()).toBe('CodeBuild access');
    await shot('form-opened');
    // The sandbox organization's four accounts, each as "name · id", the default account picked.
    expect(await select('account').locator('option').allTextContents()).toEqual(
      expect.arrayContaining([
        'hub · 111122223333',
        'dev · 222233334444',
        'staging · 333344445555',
        'prod · 444455556666',
      ]),
    );
    expect(await select('account').inputValue()).toBe('hub');

    await select('target_person').selectOption(ALICE);
    await select('tier').selectOption('developer');
    // The pick went to the app, which replaced the form (views.update): developer allows at most 8 hours.
    await field('duration')
      .filter({ hasText: 'developer: at most 8 hours' })
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await durationChoices()).toEqual(['30 minutes', '1 hour', '2 hours', '4 hours', '8 hours']);
    await select('duration').selectOption('2h');
    await shot('form-developer-durations');

    // The rules require a reason for developer: the rebuilt form no longer says "(optional)" on it, so the
    // workspace (as Slack's client) flags it before anything is sent.
    expect(await field('reason').locator('.optional').count()).toBe(0);
    expect(await field('duration').locator('.optional').count()).toBe(1);
    await form().locator('button[type="submit"]').click();
    await field('reason')
      .locator('.modal-error', { hasText: 'Please complete this required field.' })
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await field('tier').locator('.modal-error').textContent()).toBe('');
    await shot('form-reason-error');
    // On a laptop screen the tall form scrolls inside itself: its title and buttons stay on screen.
    await page.setViewportSize({ width: 1366, height: 640 });
    const box = await form().boundingBox();
    expect(box?.y).toBeGreaterThanOrEqual(0);
    expect((box?.y ?? 0) + (box?.height ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(640);
    await expect(form().locator('button[type="submit"]').isVisible()).resolves.toBe(true);
    await page.setViewportSize({ width: 1440, height: 900 });

    await field('reason').locator('textarea').fill('release week');
    await form().locator('button[type="submit"]').click();
    await page.locator('#modal').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    const ack = page.locator('#messages .message.ephemeral', { hasText: 'received' }).last();
    await ack.waitFor({ timeout: UI_TIMEOUT });
    grantId = requestIdIn(await ack.textContent());
    await shot('form-sent-ack');
  });

  it('the form from the ⚡ shortcut: the same form, answered by DM', async () => {
    await actAs(BOB);
    await page.click('#shortcuts');
    await page.click('#shortcut-menu button[data-callback-id="codebuild_access_request"]');
    await form().waitFor({ timeout: UI_TIMEOUT });
    await form().locator(`.modal-field[data-block-id="target_iam"] input`).fill('user:bob');
    await select('tier').selectOption('readonly');
    // readonly is break-glass here: at most 1 hour.
    await field('duration').filter({ hasText: 'readonly: at most 1 hour' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await durationChoices()).toEqual(['30 minutes', '1 hour']);
    await shot('shortcut-form-readonly');
    // Escape closes it, as in Slack.
    await form().locator('.modal-field[data-block-id="target_iam"] input').press('Escape');
    await page.locator('#modal').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
  });

  it("Home: the approver sees the waiting request and approves it there; the requester sees the grant's end time", async () => {
    await actAs(PRIYA);
    await openHome();
    const waiting = page.locator('#messages .block', { hasText: grantId }).first();
    await waiting.waitFor({ timeout: UI_TIMEOUT });
    await shot('home-approver-waiting');
    await page.locator(`#messages button[data-action-id="approve_request"][data-value="${grantId}"]`).click();

    await openChannel(AUDIT);
    await card(grantId).filter({ hasText: 'Status: applied and verified' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await card(grantId).locator('button[data-action-id="approve_request"]').count()).toBe(0);
    await shot('card-approved-from-home');

    await actAs(ALICE);
    await openHome();
    const grantLine = page.locator('#messages .block', { hasText: grantId }).first();
    await grantLine.filter({ hasText: 'Ends' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await grantLine.locator('time.date').count()).toBe(1);
    expect(await grantLine.textContent()).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    await shot('home-requester-grant');
  });

  it('extend from Home: the modal offers what the tier still allows; once approved, the card, the thread and Home show the new end', async () => {
    const HOUR_MS = 3_600_000;
    const endOn = async (scope: ReturnType<Page['locator']>): Promise<number> =>
      Date.parse((await scope.locator('time.date').last().getAttribute('datetime')) ?? '');
    const endsOn = async (scope: ReturnType<Page['locator']>): Promise<number[]> => {
      const times = scope.locator('time.date');
      const shown: number[] = [];
      for (let i = 0; i < (await times.count()); i += 1) {
        shown.push(Date.parse((await times.nth(i).getAttribute('datetime')) ?? ''));
      }
      return shown;
    };
    // alice is on her Home tab, the 2-hour developer grant in effect.
    const grantLine = page.locator('#messages .block', { hasText: grantId }).first();
    const end = await endOn(grantLine);
    expect(Number.isNaN(end)).toBe(false);
    await page.locator(`#messages button[data-action-id="extend_grant"][data-value="${grantId}"]`).click();
    await form().waitFor({ timeout: UI_TIMEOUT });
    expect(await form().locator('h2').textContent()).toBe('Extend access');
    // developer lasts at most 8 hours here; 2 are used, so at most 6 more.
    expect(await select('duration').locator('option').allTextContents()).toEqual(
      expect.arrayContaining(['30 minutes', '1 hour', '2 hours', '4 hours', '6 hours']),
    );
    await select('duration').selectOption('2h');
    await field('reason').locator('textarea').fill('release slipped');
    await shot('extend-modal');
    await form().locator('button[type="submit"]').click();
    await page.locator('#modal').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });

    await openDm(ALICE);
    const asked = page
      .locator('#messages article.message', { hasText: `asks to extend ${grantId} by 2h` })
      .last();
    await asked.waitFor({ timeout: UI_TIMEOUT });
    const extensionId = requestIdIn(await asked.textContent());
    await openHome();
    await page
      .locator('#messages .block', { hasText: `extend ${grantId} by 2h` })
      .first()
      .waitFor({ timeout: UI_TIMEOUT });
    await shot('home-extension-pending');

    await actAs(PRIYA);
    await openChannel(AUDIT);
    await card(extensionId).locator('button[data-action-id="approve_request"]').click();
    await card(grantId).locator('.replies').click();
    const extended = page.locator('#thread-messages', { hasText: `${grantId} extended by 2h` });
    await extended.waitFor({ timeout: UI_TIMEOUT });
    expect(await endOn(extended.locator('article.message', { hasText: 'extended until' }).last())).toBe(
      end + 2 * HOUR_MS,
    );
    // The card's time limit shows the new end once the grant's run reported the extension.
    for (let i = 0; !(await endsOn(card(grantId))).includes(end + 2 * HOUR_MS); i += 1) {
      if (i > 200) throw new Error('the card never showed the new end');
      await page.waitForTimeout(50);
    }
    await shot('card-and-thread-extended');

    await actAs(ALICE);
    await openHome();
    const line = page.locator('#messages .block', { hasText: grantId }).filter({ hasText: 'Ends' }).first();
    await line.waitFor({ timeout: UI_TIMEOUT });
    expect(await endOn(line)).toBe(end + 2 * HOUR_MS);
    await shot('home-extended');
  });

  it('relinquish from Home: the card, the thread and the DM say the access ended', async () => {
    await page
      .locator(`#messages button[data-action-id="relinquish_grant"][data-value="${grantId}"]`)
      .click();
    await expect(local.workflow.run(grantId)?.result).resolves.toMatchObject({ status: 'SUCCEEDED' });
    await shot('home-after-relinquish');

    await openChannel(AUDIT);
    const ended = card(grantId).filter({ hasText: 'Status: relinquished early by @alice' });
    await ended.waitFor({ timeout: UI_TIMEOUT });
    await card(grantId).locator('.replies').click();
    await page
      .locator('#thread-messages', { hasText: 'Relinquished by @alice' })
      .waitFor({ timeout: UI_TIMEOUT });
    await shot('card-and-thread-relinquished');
    expect((await new PageDriver(local.url).sandboxUser('alice'))?.attachedPolicyArns).toEqual([]);

    await openDm(ALICE);
    const endedDm = page
      .locator('#messages article.message', { hasText: grantId })
      .filter({ hasText: 'was relinquished by @alice before its time limit; the access was revoked.' });
    await endedDm.waitFor({ timeout: UI_TIMEOUT });
    // Not "has expired": it ended because alice gave it up.
    expect(await page.locator('#messages article.message', { hasText: 'has expired' }).count()).toBe(0);
    await shot('dm-requester-ended');
  });

  it('break-glass: the requester approves their own readonly grant with a reason; a loud audit post and a DM to each approver', async () => {
    await actAs(CAROL);
    await openChannel(GENERAL);
    await page.fill('#composer', '/codebuild-access grant @carol readonly for 1h because prod build is down');
    await page.press('#composer', 'Enter');
    const ack = page.locator('#messages .message.ephemeral', { hasText: 'received' }).last();
    await ack.waitFor({ timeout: UI_TIMEOUT });
    const requestId = requestIdIn(await ack.textContent());

    await openChannel(AUDIT);
    await card(requestId).locator('button[data-action-id="approve_request"]').click();
    await card(requestId)
      .filter({ hasText: 'Status: applied and verified' })
      .waitFor({ timeout: UI_TIMEOUT });
    const loud = page.locator('#messages article.message', { hasText: 'Break-glass:' }).last();
    await loud.waitFor({ timeout: UI_TIMEOUT });
    expect(await loud.textContent()).toContain('@here');
    expect(await loud.textContent()).toContain('prod build is down');
    await shot('break-glass-audit');

    for (const approver of [PRIYA, 'U0OMAR']) {
      await actAs(approver);
      await openDm(approver);
      await page
        .locator('#messages article.message', { hasText: requestId })
        .filter({ hasText: 'Break-glass' })
        .first()
        .waitFor({ timeout: UI_TIMEOUT });
    }
    // The DM's link to the card is a link on this page (the local permalink), not raw mrkdwn.
    const cardLink = page.locator('#messages a', { hasText: 'Open the approval card' }).last();
    expect(await cardLink.getAttribute('href')).toMatch(/^\/#C0AUDIT\/\d+\.\d+$/);
    expect(await page.locator('#messages', { hasText: '</#C0AUDIT' }).count()).toBe(0);
    await shot('break-glass-approver-dm');
    expect((await new PageDriver(local.url).sandboxUser('carol'))?.attachedPolicyArns).toContain(
      POLICY_ARNS.codeBuildReadOnly,
    );
  });
});

/**
 * The sandbox organization in a browser: the composer's hint offers a grant `in prod`; an approver sees
 * the account first on the card and approves it; /local/sandbox shows prod changed, the hub untouched and
 * the AssumeRole sessions; a grant `in staging` (no member stack there) is refused with what to deploy.
 * Screenshots: test-results/e2e/org-*.png (gitignored).
 */
describeWithChromium('a sandbox organization in a browser: a grant in prod, a refusal in staging', () => {
  const PROD_ID = '444455556666';
  const STAGING_ID = '333344445555';
  let stateDir: string;
  let local: LocalHandle;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'codebuild-access-e2e-org-'));
    local = await startLocal({ stateDir, port: 0, env: {} });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(local.url);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await local?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const shot = (target: Page, name: string, fullPage = false) =>
    target.screenshot({ path: join(SCREENSHOT_DIR, `org-${name}.png`), fullPage });
  const actAs = async (userId: string) => {
    await page.selectOption('#identity', userId);
    await page.locator(`#app[data-viewer="${userId}"]`).waitFor({ timeout: UI_TIMEOUT });
  };
  const openChannel = async (channelId: string) => {
    await page.click(`#channels a[data-channel="${channelId}"]`);
    await page.locator(`#messages[data-channel="${channelId}"]`).waitFor({ timeout: UI_TIMEOUT });
  };
  const card = (requestId: string) =>
    page
      .locator('#messages article.message:not(.ephemeral)')
      .filter({ hasText: `CodeBuild access request ${requestId}` });
  let requestId = '';

  it('the hint offers a grant in prod; the approver reads prod and its id first on the card, and approves', async () => {
    await actAs(ALICE);
    await openChannel(GENERAL);
    expect(await page.locator('#mode').textContent()).toContain('sandbox accounts hub, dev, staging, prod');
    const hint = page.locator('#hint button', { hasText: 'in prod' });
    expect(await hint.textContent()).toBe('/codebuild-access grant @alice developer in prod because release');
    await shot(page, '01-hint-in-prod');
    await hint.click();
    await page.press('#composer', 'Enter');
    const ack = page.locator('#messages .message.ephemeral', { hasText: 'received' }).last();
    await ack.waitFor({ timeout: UI_TIMEOUT });
    requestId = /REQ-[0-9A-Z]{10}/.exec((await ack.textContent()) ?? '')?.[0] ?? '';
    expect(requestId).not.toBe('');

    await actAs(PRIYA);
    await openChannel(AUDIT);
    await card(requestId).waitFor({ timeout: UI_TIMEOUT });
    // The account line comes right under the header, before the change.
    const text = (await card(requestId).textContent()) ?? '';
    expect(text).toContain(`AWS account prod (${PROD_ID})`);
    expect(text.indexOf(`AWS account prod (${PROD_ID})`)).toBeLessThan(
      text.indexOf('AWSCodeBuildDeveloperAccess'),
    );
    await shot(page, '02-card-in-prod');
    await card(requestId).locator('button[data-action-id="approve_request"]').click();
    await card(requestId)
      .filter({ hasText: 'Status: applied and verified' })
      .waitFor({ timeout: UI_TIMEOUT });
    await shot(page, '03-card-approved');
  });

  it('/local/sandbox shows prod changed, the hub untouched, staging without its member stack, and the sessions', async () => {
    const debug = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await debug.goto(`${local.url}/local/sandbox`);
      const row = (name: string) =>
        debug.locator('section', { has: debug.locator('h2', { hasText: /^Accounts$/ }) }).locator('tr', {
          hasText: name,
        });
      expect(await row('prod').textContent()).toContain('deployed');
      expect(await row('staging').textContent()).toContain('MISSING');
      const aliceIn = (account: string) =>
        debug.locator(`#account-${account} tr`, { has: debug.locator('strong', { hasText: /^alice$/ }) });
      expect(await aliceIn('prod').textContent()).toContain(POLICY_ARNS.codeBuildDeveloper);
      expect(await aliceIn('hub').textContent()).not.toContain('AWSCodeBuild');
      const sessions = debug.locator('section', {
        has: debug.locator('h2', { hasText: 'AssumeRole sessions' }),
      });
      expect(await sessions.locator('tr', { hasText: `${requestId}-apply` }).textContent()).toContain(
        'allowed',
      );
      await shot(debug, '04-sandbox-accounts-and-sessions');
      await shot(debug, '05-sandbox-organization-full', true);
    } finally {
      await debug.close();
    }
    const org = await new PageDriver(local.url).get<{
      users: Array<{ name: string; attachedPolicyArns: string[] }>;
      accounts: Array<{
        name: string;
        state: { users: Array<{ name: string; attachedPolicyArns: string[] }> };
      }>;
    }>('/local/sandbox?format=json');
    const prod = org.accounts.find((account) => account.name === 'prod');
    expect(prod?.state.users.find((user) => user.name === 'alice')?.attachedPolicyArns.sort()).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
    expect(org.users.find((user) => user.name === 'alice')?.attachedPolicyArns).toEqual([]);
  });

  it('a grant in staging is refused at once, naming staging, its id and the member stack to deploy', async () => {
    await actAs(BOB);
    await openChannel(GENERAL);
    await page.fill('#composer', '/codebuild-access grant @bob developer in staging because release');
    await page.press('#composer', 'Enter');
    const refusal = page
      .locator('#messages .message.ephemeral', { hasText: 'deploy/member-account.yml' })
      .last();
    await refusal.waitFor({ timeout: UI_TIMEOUT });
    const text = (await refusal.textContent()) ?? '';
    expect(text).toContain(`staging (${STAGING_ID})`);
    expect(text).toContain('codebuild-access-dev-member-slack');
    expect(text).toContain('Nothing was changed');
    await shot(page, '06-refused-in-staging');
    const org = await new PageDriver(local.url).get<{
      sessions: Array<{ account: string; sessionName: string; allowed: boolean }>;
    }>('/local/sandbox?format=json');
    expect(org.sessions.filter((session) => session.account === 'staging')).toEqual([
      expect.objectContaining({ sessionName: `slack-${BOB}`, allowed: false }),
    ]);
  });
});
