import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalHandle, startLocal } from '../../src/local/main';
import { FORM_ERRORS } from '../../src/slack/blocks/request-form';
import { REQUEST_FORM } from '../../src/slack/ids';
import { PageDriver, requestIdIn } from './page-driver';

// The request form in local mode as `npm start` runs it, through the page's endpoints: typing
// `/codebuild-access` opens the modal, the page submits it as Slack's client would, and the bot's
// errors show under the fields, or the request goes to approval like a typed one.

const ALICE = 'U0ALICE';
const GENERAL = 'C0GENERAL';
const { blocks: ids, actions } = REQUEST_FORM;

jest.setTimeout(60_000);

let stateDir: string;
let local: LocalHandle;
let page: PageDriver;

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'codebuild-access-form-'));
  local = await startLocal({ stateDir, port: 0, env: {} });
  page = new PageDriver(local.url);
});

afterEach(async () => {
  await local.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

interface OpenModal {
  id: string;
  view: { callback_id?: string; private_metadata?: string };
  errors?: Record<string, string>;
}

const modalOf = async (userId: string): Promise<OpenModal | null> =>
  (await page.get<{ modal: OpenModal | null }>(`/local/state?user=${userId}`)).modal;

const submit = (viewId: string, values: Record<string, Record<string, string | null>>) =>
  page.post('/local/view', { userId: ALICE, viewId, values });

describe('the request form in the local workspace', () => {
  it('typing /codebuild-access opens the form; submitting it records the request and answers Alice', async () => {
    await page.type(ALICE, GENERAL, '/codebuild-access');
    const modal = await modalOf(ALICE);
    expect(modal?.view).toMatchObject({
      callback_id: REQUEST_FORM.callbackId,
      private_metadata: JSON.stringify({ channelId: GENERAL }),
    });

    const result = await submit(modal?.id ?? '', {
      [ids.iamTarget]: { [actions.iamTarget]: 'user:alice' },
      [ids.action]: { [actions.action]: 'grant' },
      [ids.tier]: { [actions.tier]: 'developer' },
      [ids.duration]: { [actions.duration]: '8h' },
      [ids.reason]: { [actions.reason]: 'first build' },
    });

    expect(result.body).toMatchObject({ kind: 'submitted', status: 200, responseAction: 'close' });
    expect(await modalOf(ALICE)).toBeNull();
    const answer =
      (await page.state(ALICE)).ephemerals.filter((e) => e.channel === GENERAL).at(-1)?.text ?? '';
    const requestId = requestIdIn(answer);
    expect(answer).toContain('received: *grant developer for user:alice*');
    await page.until(
      'the run to wait for a click',
      async () => local.workflow.isWaiting(requestId) || undefined,
    );
    const stored = (await page.requests()).find((request) => request.requestId === requestId);
    // Local mode runs a sandbox organization: the form's request is in the default account, the hub.
    expect(stored?.command).toEqual({
      account: 'hub',
      action: 'grant',
      target: { kind: 'user', name: 'alice' },
      tier: 'developer',
      durationSeconds: 8 * 3600,
      reason: 'first build',
    });
  });

  it('an error from the bot shows under the field and the form stays open', async () => {
    await page.type(ALICE, GENERAL, '/codebuild-access');
    const modal = await modalOf(ALICE);
    const result = await submit(modal?.id ?? '', {
      [ids.action]: { [actions.action]: 'grant' },
      [ids.tier]: { [actions.tier]: 'developer' },
    });
    expect(result.body).toMatchObject({ kind: 'submitted', responseAction: 'errors' });
    expect((await modalOf(ALICE))?.errors).toEqual({ [ids.person]: FORM_ERRORS.noTarget });
    expect(await page.requests()).toEqual([]);
  });

  it('the shortcut menu opens the same form', async () => {
    const result = await page.post('/local/shortcut', {
      userId: ALICE,
      callbackId: REQUEST_FORM.shortcutCallbackId,
    });
    expect(result.body).toMatchObject({ kind: 'shortcut', status: 200 });
    expect((await modalOf(ALICE))?.view).toMatchObject({
      callback_id: REQUEST_FORM.callbackId,
      private_metadata: '{}',
    });
  });
});
