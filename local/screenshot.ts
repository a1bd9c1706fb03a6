import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot, startLocal } from '../src/local/main';
import { launchChromium } from './chromium';

/**
 * `npm run screenshot`: remakes docs/local-workspace.png, the README's picture of the local workspace
 * (an approved grant with its audit thread open). Tests never write it; this is the one explicit way.
 * Needs Debian's chromium (apt-get install -y chromium fonts-noto-color-emoji).
 */
const TIMEOUT = 20_000;

export async function takeScreenshot(
  out = join(findRepoRoot(), 'docs', 'local-workspace.png'),
): Promise<string> {
  const stateDir = mkdtempSync(join(tmpdir(), 'codebuild-access-screenshot-'));
  const local = await startLocal({ stateDir, port: 0, env: {} });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(local.url);
    const actAs = async (userId: string) => {
      await page.selectOption('#identity', userId);
      await page.locator(`#app[data-viewer="${userId}"]`).waitFor({ timeout: TIMEOUT });
    };
    const openChannel = async (channelId: string) => {
      await page.click(`#channels a[data-channel="${channelId}"]`);
      await page.locator(`#messages[data-channel="${channelId}"]`).waitFor({ timeout: TIMEOUT });
    };
    await actAs('U0ALICE');
    await openChannel('C0GENERAL');
    await page.fill('#composer', '/codebuild-access grant @alice developer because first build');
    await page.press('#composer', 'Enter');
    const ack = page.locator('#messages .message.ephemeral').filter({ hasText: 'received' }).last();
    await ack.waitFor({ timeout: TIMEOUT });
    const requestId = /REQ-[0-9A-Z]{10}/.exec((await ack.textContent()) ?? '')?.[0] ?? '';

    await actAs('U0PRIYA');
    await openChannel('C0AUDIT');
    const card = page
      .locator('#messages article.message:not(.ephemeral)')
      .filter({ hasText: `CodeBuild access request ${requestId}` });
    await card.locator('button[data-action-id="approve_request"]').click();
    await card.locator('.replies').filter({ hasText: 'replies' }).waitFor({ timeout: TIMEOUT });
    await local.workflow.run(requestId)?.result;
    await card.locator('.replies').click();
    await page
      .locator('#thread-messages')
      .filter({ hasText: 'applied and verified' })
      .waitFor({ timeout: TIMEOUT });
    await page.screenshot({ path: out });
    return out;
  } finally {
    await browser.close();
    await local.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
